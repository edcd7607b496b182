# PGXS build of the tenancy extension: the authority for what gets built and installed.

EXTENSION = tenancy
EXTVERSION = 1.2
MODULE_big = tenancy

# The two zones. PostgreSQL-zone files: src/pg/, the *_pg.cpp entry files, and the library
# entry point. Everything else is pure C++ and is compiled without PostgreSQL's include path,
# so `#include "postgres.h"` in a pure file is a build error.
PG_ZONE_SRCS = src/tenancy.cpp $(sort $(wildcard src/pg/*.cpp) $(wildcard src/*/*_pg.cpp))
PURE_SRCS = $(sort $(filter-out $(PG_ZONE_SRCS),$(wildcard src/*/*.cpp)))
PURE_OBJS = $(PURE_SRCS:.cpp=.o)
OBJS = $(PG_ZONE_SRCS:.cpp=.o) $(PURE_OBJS)

# The install script, assembled from the SQL parts in dependency order.
SQL_PARTS = \
	src/context/org_role.sql \
	src/context/context.sql \
	src/schema/common.sql \
	src/crypto/crypto.sql \
	src/schema/identity.sql \
	src/rls/rls.sql \
	src/rls/sharing.sql \
	src/rls/audit.sql \
	src/rls/auto_rls.sql \
	src/schema/workspace.sql \
	src/schema/telemetry.sql \
	src/schema/pipelines.sql \
	src/schema/ledger.sql \
	src/ledger/ledger.sql \
	src/schema/graph.sql \
	src/graph/graph.sql \
	src/schema/audit.sql \
	src/schema/identity_rls.sql \
	src/schema/behaviours.sql \
	src/identity/flows.sql \
	src/schema/distribute.sql \
	src/schema/drop_guard.sql \
	src/schema/app_role.sql
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
# Released versions: the first one's full script (so that CREATE EXTENSION ... VERSION '1.0'
# and the upgrade test work) and one update script per release after it. upgrade/released.sha256
# records each released install script; check-upgrade holds the current script to it.
DATA = upgrade/$(EXTENSION)--1.0.sql $(sort $(wildcard upgrade/$(EXTENSION)--*--*.sql))

# pg_regress tests run in the order the schedule lists them.
REGRESS_SCHEDULE = test/regress_schedule
REGRESS = $(shell sed -n 's/^test: *//p' $(REGRESS_SCHEDULE))
REGRESS_OPTS = --load-extension=$(EXTENSION)

# Isolation specs (concurrency) under test/isolation/specs, expected output beside them.
ISOLATION = $(basename $(notdir $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)

# Our code: C++17, warnings as errors. PostgreSQL's headers are system headers to us.
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror
PG_CPPFLAGS = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server)
SHLIB_LINK = -lsodium -lstdc++

# No JIT bitcode for C++ (it would need clang++); the functions are called, not inlined.
override with_llvm = no

# Sanitizer builds only (test/integration/sanitizers.sh): `make SANITIZE=address,undefined`
# compiles and links with those sanitizers. Empty by default: the normal build is unchanged.
# Use a copy of the tree (make does not rebuild objects when only the flags change).
SANITIZE ?=
ifneq ($(SANITIZE),)
PG_CXXFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
PG_LDFLAGS += -fsanitize=$(SANITIZE)
endif

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Pure files see only our own headers (and the system's): no server include directory.
$(PURE_OBJS): override CPPFLAGS = -I$(srcdir)/src

$(DATA_built): $(SQL_PARTS)
	cat $(SQL_PARTS) > $@

# Every object depends on every header: small project, always-correct rebuilds.
$(OBJS): $(wildcard src/*/*.hpp)

.PHONY: check-schedule check-zones check-upgrade
# Fails when a test in sql/ is missing from the schedule, or the schedule names a missing test.
check-schedule:
	@bash test/check_schedule.sh $(REGRESS_SCHEDULE)

# Fails when a pure file or any header names a PostgreSQL header.
check-zones:
	@bash test/check_zones.sh $(PURE_SRCS)

# Fails when the install script differs from the one recorded for this version (an SQL change
# without a new version and an update script), or an update script is missing.
check-upgrade: $(DATA_built)
	@bash test/check_upgrade.sh $(EXTENSION) $(EXTVERSION)
