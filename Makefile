# yzcloud: the two commands (make run, make test) and a few more.
# Every target first installs what is missing (scripts/install-deps is idempotent).
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DYZ_WERROR=ON

.PHONY: deps configure build run test test-unit test-browser bench clean

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# Serves http://127.0.0.1:8080 on the embedded SQLite store in ./data.
run: build
	$(BUILD)/yzcloud serve --data-dir ./data --port 8080

# Unit, storage (SQLite and a throwaway PostgreSQL 15), integration, then browser tests.
test: build
	scripts/with-postgres ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)
	cd tests/browser && YZCLOUD_BIN=$(CURDIR)/$(BUILD)/yzcloud node run.mjs

test-browser: build
	cd tests/browser && YZCLOUD_BIN=$(CURDIR)/$(BUILD)/yzcloud node run.mjs

bench: build
	YZCLOUD_BIN=$(CURDIR)/$(BUILD)/yzcloud bench/http_floor/run.sh

clean:
	rm -rf $(BUILD)
