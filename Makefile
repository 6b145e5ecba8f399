# One entry point for the common tasks.
.PHONY: demo test bench lint build samples format

demo:       ## the main job: the demo pipeline over samples/ against the built-in sandbox
	scripts/demo

test:       ## set up, build once, run every test
	scripts/test

bench:      ## reader, pipeline and upload benchmarks against the named anchors
	scripts/bench-readers
	scripts/bench-upload

lint:       ## swift format lint, strict
	swift format lint --strict --recursive Package.swift Sources Tests

build:
	swift build

samples:    ## regenerate samples/ (needs openpyxl)
	python3 scripts/make-samples.py

format:     ## rewrite sources in the house style
	swift format format --in-place --recursive Package.swift Sources Tests
