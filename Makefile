# One entry point for the common tasks.
PREFIX ?= /usr/local
.PHONY: demo test bench lint build samples format release install

demo:       ## the main job: the demo pipeline over samples/ against the built-in sandbox
	scripts/demo

test:       ## set up, build once, run every test
	scripts/test

bench:      ## reader, pipeline and upload benchmarks against the named anchors
	scripts/bench-readers
	scripts/bench-upload

lint:       ## swift format lint, strict; no folder cycle; no service named outside its folders and the registries
	swift format lint --strict --recursive Package.swift Sources Tests
	scripts/check-folder-cycles --quiet
	scripts/check-service-names

build:
	scripts/build-info
	swift build

release:    ## dist/catalog-etl-<version>-linux-<arch>.tar.gz: static Swift runtime, completions, docs
	scripts/release

install:    ## install the release binary and shell completions under PREFIX (default /usr/local)
	PREFIX="$(PREFIX)" scripts/install

samples:    ## regenerate samples/ (needs openpyxl)
	python3 scripts/make-samples.py

format:     ## rewrite sources in the house style
	swift format format --in-place --recursive Package.swift Sources Tests
