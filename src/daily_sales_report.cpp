/*
 * daily_sales_report.cpp — the module: magic block, settings, background worker.
 */
#include "pg_headers.h"
#include "outbox_worker.h"
#include "settings.h"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

void
_PG_init(void)
{
    dsr_define_settings();
    /* preloaded: a worker that delivers pending pushes and closes out dead runs, from server start */
    if (process_shared_preload_libraries_in_progress)
        dsr_register_outbox_worker();
}
