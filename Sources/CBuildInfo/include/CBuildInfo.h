#ifndef CBUILDINFO_H
#define CBUILDINFO_H

/// The git commit the binary was built from, as `scripts/build-info` recorded it in
/// `build-info.h` before the build; "unknown" when built without it (a plain `swift build`).
const char *catalog_etl_commit(void);

#endif
