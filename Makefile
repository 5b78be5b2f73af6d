# daily_sales_report — PGXS build.
#   make && make install          (PG_CONFIG=/path/to/pg_config to pick a server)
#   make installcheck             pg_regress against a temporary server with pg_cron preloaded
#   make SANITIZE=1               AddressSanitizer + UndefinedBehaviorSanitizer build (test/memcheck)
#   test/run_all                  the whole test suite (see README)

EXTENSION   = daily_sales_report
MODULE_big  = daily_sales_report
DATA        = $(wildcard sql/daily_sales_report--*.sql)
# One folder of src/ per concern.  src/core/*.cpp: pure C++, built without
# PostgreSQL's headers (see the rule below and src/core/pure_cpp.h); every
# other folder (src/run/, src/kpi/, src/push/, src/extension/, src/pg/) is
# the PostgreSQL side.
OBJS        = $(patsubst %.cpp,%.o,$(wildcard src/*/*.cpp))
PGFILEDESC  = "daily_sales_report - daily sales KPIs, PDF report and Pushgateway metrics"

REGRESS      = setup dates kpis expected history errors outbox schedule upgrade
REGRESS_OPTS = --temp-instance=./tmp_check --temp-config=test/regress.conf \
               --load-extension=pg_cron

PG_CONFIG  ?= pg_config
CURL_LIBS  := $(shell curl-config --libs 2>/dev/null)

# the SQL version the library expects: default_version of the control file
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

PG_CXXFLAGS = -std=c++17 -Wall -Wextra
# -Isrc: the PostgreSQL side includes by folder ("pg/pg_headers.h",
# "core/report.h"); the core rule below drops it with every other -I
PG_CPPFLAGS = -Isrc -isystem $(shell $(PG_CONFIG) --includedir-server 2>/dev/null) -DDSR_EXTVERSION='"$(EXTVERSION)"'
SHLIB_LINK  = -lhpdf $(CURL_LIBS) -lstdc++

# SANITIZE=1: the library instrumented by ASan and UBSan, linked against their
# runtimes (libasan, libubsan).  The server is not instrumented: it must run
# with libasan preloaded (LD_PRELOAD), as test/memcheck does.  UBSan reports
# and ASan can (-fsanitize-recover=address, with halt_on_error=0 at run time):
# a report does not kill the backend, which PostgreSQL would take for a crash
# and answer by restarting every process; test/memcheck reads the logs at the end.
# Objects of a normal build are not reused: `make clean` between the two.
ifeq ($(SANITIZE),1)
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fsanitize-recover=address
PG_CXXFLAGS   += $(SANITIZE_FLAGS) -g
SHLIB_LINK    += $(SANITIZE_FLAGS)
endif

# no LLVM bitcode for JIT inlining: it would need clang and buys nothing here
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
# No server development files yet: say what to install (make demo and
# test/run_all install it themselves).
all install installcheck:
	@echo "PGXS not found (pg_config: $(PG_CONFIG)): apt-get install postgresql-server-dev-15, or use PG_CONFIG=" >&2; exit 1
endif

# C++ objects with dependency tracking: the PostgreSQL side, src/<folder>/*.cpp
# (make takes the core rule below for src/core/: its stem is the shorter)
src/%.o: src/%.cpp
	$(CXX) $(CXXFLAGS) $(CPPFLAGS) -MMD -MP -fPIC -c -o $@ $<

# The pure C++ core: no PostgreSQL include path at all (every -I and -isystem
# of CPPFLAGS left out, only its -D and -W kept), so that a PostgreSQL header
# there is not found; src/core/pure_cpp.h, included first by every core file,
# refuses one found another way.  On failure the rule is said again.
CORE_CPPFLAGS = $(filter-out -DDSR_EXTVERSION=%,$(filter -D% -W%,$(CPPFLAGS)))
CORE_RULE     = src/core/ is pure C++, built without PostgreSQL's include path: \
no PostgreSQL header there, directly or not (see src/core/pure_cpp.h)
src/core/%.o: src/core/%.cpp
	@echo "$(CXX) $(CXXFLAGS) $(CORE_CPPFLAGS) -MMD -MP -fPIC -c -o $@ $<"
	@$(CXX) $(CXXFLAGS) $(CORE_CPPFLAGS) -MMD -MP -fPIC -c -o $@ $< || \
	{ echo "$<: did not compile; note: $(CORE_RULE)" >&2; exit 1; }

-include $(OBJS:.o=.d)

unit:
	$(MAKE) -C test/unit

.PHONY: unit

# The demo (demo/): packages, build, PostgreSQL + pg_cron, Pushgateway,
# Prometheus and postgres_exporter on loopback, a demo shop and a first report.
demo:
	@"$(CURDIR)/demo/up"

demo-down:
	@"$(CURDIR)/demo/down"

.PHONY: demo demo-down
