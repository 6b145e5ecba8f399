import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

extension MixpeekRoutes {
    /// Registers the batches routes.
    func registerBatches(on api: RouterGroup<SandboxRequestContext>) {
        api.post("buckets/:bucket/batches") { request, context -> Response in
            let (namespace, bucket, body): (String, MixpeekStore.Bucket, JSONValue)
            switch try await bucketRequest(request, context) {
            case .failure(let f): return f.response
            case .success(let r): (namespace, bucket, body) = r
            }
            guard let ids = body["object_ids"]?.arrayValue?.compactMap(\.stringValue), !ids.isEmpty else {
                return Reply.mixpeekError(
                    .unprocessableContent, "object_ids: at least 1 item is required", type: "ValidationError")
            }
            let unknown = await store.unknownObjectIDs(ids, bucketID: bucket.id)
            if !unknown.isEmpty {
                return Reply.mixpeekError(
                    .notFound, "Objects not found in bucket: \(unknown.prefix(5).joined(separator: ", "))",
                    type: "NotFoundError", details: ["object_ids": .array(unknown.map { .string($0) })])
            }
            let batch = await store.createBatch(
                MixpeekStore.Batch(
                    id: "btch_" + randomHex(12), namespace: namespace, bucketID: bucket.id, objectIDs: ids,
                    createdAt: Timestamp.now()))
            return Reply.json(.ok, Self.batchJSON(batch, status: "DRAFT"))
        }

        api.post("buckets/:bucket/batches/:batch_id/submit") { request, context -> Response in
            let namespace = self.namespace(of: request)
            guard let batch = await store.batch(context.parameters.get("batch_id") ?? "", namespace: namespace) else {
                return Reply.mixpeekError(.notFound, "Batch not found", type: "NotFoundError")
            }
            guard let submitted = await store.submit(batch.id) else {
                return Reply.mixpeekError(.conflict, "Batch \(batch.id) was already submitted", type: "ConflictError")
            }
            return Reply.json(
                .ok,
                [
                    "batch_id": .string(submitted.id), "status": "PENDING", "task_id": .optional(submitted.taskID),
                    "message": "Batch submitted for processing",
                ])
        }

        api.get("buckets/:bucket/batches/:batch_id") { request, context -> Response in
            let namespace = self.namespace(of: request)
            guard let batch = await store.batch(context.parameters.get("batch_id") ?? "", namespace: namespace) else {
                return Reply.mixpeekError(.notFound, "Batch not found", type: "NotFoundError")
            }
            return Reply.json(.ok, Self.batchJSON(batch, status: store.status(batch, now: Timestamp.now())))
        }

        api.get("tasks/:task_id") { request, context -> Response in
            let id = context.parameters.get("task_id") ?? ""
            guard let batch = await store.batch(taskID: id) else {
                return Reply.mixpeekError(.notFound, "Task not found", type: "NotFoundError")
            }
            let status = store.status(batch, now: Timestamp.now())
            return Reply.json(
                .ok,
                [
                    "task_id": .string(id), "task_type": "api_buckets_batches_submit", "status": .string(status),
                    "inputs": [.string(batch.id)], "outputs": status == "COMPLETED" ? [.string(batch.id)] : [],
                    "additional_data": ["batch_id": .string(batch.id), "bucket_id": .string(batch.bucketID)],
                    "error_message": .null,
                ])
        }

    }
}
