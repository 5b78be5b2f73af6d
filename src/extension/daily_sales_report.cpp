/*
 * daily_sales_report.cpp — the module: magic block, settings, the outbox launcher.
 */
#include "pg/pg_headers.h"
#include "push/outbox_launcher.h"
#include "extension/settings.h"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

void
_PG_init(void)
{
    dsr_define_settings();
    /*
     * pg_upgrade's server (binary-upgrade mode) must run nothing of ours: the
     * settings are defined (the configuration it reads stays valid), no
     * background worker is registered.
     */
    if (IsBinaryUpgrade)
        return;
    /* preloaded: a launcher keeps a worker that delivers pending pushes and closes out dead runs */
    if (process_shared_preload_libraries_in_progress)
        dsr_register_outbox_launcher();
}
