/*
 * pure_cpp.h — the first include of every file in src/core/, and of the
 * core's C++ headers: the compiler's check that pure C++ and PostgreSQL
 * stay apart.
 *
 * Before it: no PostgreSQL header may have been read.  postgres.h,
 * postgres_fe.h, c.h and pg_config.h define the macros tested below, and
 * src/pg/pg_headers.h (the PostgreSQL side's one door to them) defines
 * DSR_POSTGRES_SIDE, so a PostgreSQL-side file that pulls in a core C++
 * header after its own fails here too: that side holds no C++ object.
 *
 * After it: the same macros are poisoned, so a PostgreSQL header read later
 * in the file (its include guard tests one of them) stops the build as well.
 * src/core/ is also compiled without PostgreSQL's include path (Makefile).
 *
 * The headers that both sides include (report.h and the C APIs: pdf_report.h,
 * metrics_payload.h, grouping_key_path.h, push_client.h, expected_band.h) do
 * not include this one.
 */
#ifndef DSR_PURE_CPP_H
#define DSR_PURE_CPP_H

#if defined(DSR_POSTGRES_SIDE) || defined(POSTGRES_H) || defined(POSTGRES_FE_H) || defined(C_H) || \
    defined(PG_VERSION_NUM)
#error \
    "src/core/ is pure C++: it must not see a PostgreSQL header (included before src/core/pure_cpp.h, or a core C++ header included on the PostgreSQL side)"
#endif

/* any later #ifndef POSTGRES_H (etc.) is an error: "attempt to use poisoned" */
#pragma GCC poison DSR_POSTGRES_SIDE POSTGRES_H POSTGRES_FE_H C_H \
    PG_VERSION_NUM /* src/core/ is pure C++: no PostgreSQL header */

#endif /* DSR_PURE_CPP_H */
