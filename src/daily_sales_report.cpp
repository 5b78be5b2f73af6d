/*
 * daily_sales_report.cpp — the module: magic block, settings, the outbox launcher.
 */
#include "pg_headers.h"
#include "outbox_launcher.h"
#include "settings.h"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

void
_PG_init(void)
{
    dsr_define_settings();
    /* preloaded: a launcher keeps a worker that delivers pending pushes and closes out dead runs
     * (not under pg_upgrade, whose server must run nothing of ours) */
    if (process_shared_preload_libraries_in_progress && !IsBinaryUpgrade)
        dsr_register_outbox_launcher();
}
