# yzcloud: the two commands (make run, make test) and a few more.
# Every target first installs what is missing (scripts/install-deps is idempotent).
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DYZ_WERROR=ON
# The sanitizer build (fuzz/README.md): clang, ASan + UBSan, the fuzz targets and
# every test suite, in its own directory.
SAN_BUILD ?= build-san
SAN_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DYZ_WERROR=ON -DCMAKE_CXX_COMPILER=clang++-14 \
             -DYZ_FUZZ=ON
FUZZ_SECONDS ?= 60
FUZZ_MERGE ?= 0
# Seconds per fuzz target in `make test`: enough to run every seed and mutate a while.
TEST_FUZZ_SECONDS ?= 10

.PHONY: deps configure build run test test-unit test-browser test-sanitize fuzz bench clean

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

# Unit, storage (SQLite and a throwaway PostgreSQL 15), integration, then browser tests;
# then the same suites and each fuzz target briefly under ASan + UBSan.
test: build
	scripts/with-postgres ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)
	cd tests/browser && YZCLOUD_BIN=$(CURDIR)/$(BUILD)/yzcloud node run.mjs
	$(MAKE) test-sanitize

$(SAN_BUILD)/build.ninja:
	cmake -S . -B $(SAN_BUILD) -G Ninja $(SAN_FLAGS)

# A finding (a sanitizer report, a crash, a leak) fails the run.
test-sanitize: deps $(SAN_BUILD)/build.ninja
	cmake --build $(SAN_BUILD) -j$(JOBS)
	scripts/with-postgres ctest --test-dir $(SAN_BUILD) --output-on-failure -j$(JOBS)
	scripts/fuzz --build $(SAN_BUILD) --seconds $(TEST_FUZZ_SECONDS)

# Each fuzz target for FUZZ_SECONDS on a copy of its seed corpus; FUZZ_MERGE=1 keeps
# inputs that add coverage in fuzz/corpus/.
fuzz: deps $(SAN_BUILD)/build.ninja
	cmake --build $(SAN_BUILD) -j$(JOBS) --target fuzzers
	scripts/fuzz --build $(SAN_BUILD) --seconds $(FUZZ_SECONDS) $(if $(filter 1,$(FUZZ_MERGE)),--merge)

test-browser: build
	cd tests/browser && YZCLOUD_BIN=$(CURDIR)/$(BUILD)/yzcloud node run.mjs

bench: build
	YZCLOUD_BIN=$(CURDIR)/$(BUILD)/yzcloud bench/http_floor/run.sh

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
