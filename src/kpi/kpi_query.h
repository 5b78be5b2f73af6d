/*
 * kpi_query.h — the day's KPIs, computed by aggregates in the database.
 */
#ifndef DSR_KPI_QUERY_H
#define DSR_KPI_QUERY_H

#include "pg/pg_headers.h"
#include "core/report.h"

/*
 * Fill `report` (strings allocated in `context`) for `report_date`.  Runs in
 * the caller's transaction with SPI connected.  A missing or malformed
 * source is an ERROR naming the expected columns and the setting.  Advice
 * (a NOTICE about missing indexes) is given once per run: by the first
 * attempt that gets that far, which sets *notice_given.
 */
void dsr_query_kpis(DateADT report_date, bool *notice_given, MemoryContext context, DsrReport *report);

#endif /* DSR_KPI_QUERY_H */
