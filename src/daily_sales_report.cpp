/*
 * daily_sales_report.cpp — the module: magic block and settings.
 */
#include "pg_headers.h"
#include "settings.h"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

void
_PG_init(void)
{
    dsr_define_settings();
}
