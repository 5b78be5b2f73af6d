/*
 * pg_headers.h — the PostgreSQL headers, for the files that talk to the
 * server.  Only those files include it; the pure C++ files (src/core/: PDF,
 * payload, push client...) never do, so PostgreSQL's macros stay out of C++
 * code.
 *
 * Rule for every file that includes this: no C++ object with a destructor
 * lives in a function that can ereport(ERROR) (it would be longjmp'd over),
 * and no C++ exception can reach here (the pure C++ APIs are noexcept C).
 */
#ifndef DSR_PG_HEADERS_H
#define DSR_PG_HEADERS_H

/* the PostgreSQL side: src/core/pure_cpp.h refuses to be read after this */
#define DSR_POSTGRES_SIDE 1

extern "C" {
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "commands/dbcommands.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "libpq/pqmq.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/regproc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

#endif /* DSR_PG_HEADERS_H */
