/*
 * outbox_launcher.h — the preloaded launcher that keeps the outbox worker of
 * daily_sales_report.database_name running.
 */
#ifndef DSR_OUTBOX_LAUNCHER_H
#define DSR_OUTBOX_LAUNCHER_H

#include "pg/pg_headers.h"

/* At server start (shared_preload_libraries): register the launcher. */
void dsr_register_outbox_launcher(void);

#endif /* DSR_OUTBOX_LAUNCHER_H */
