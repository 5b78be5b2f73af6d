/*
 * report_date.h — what the caller means by the report date.
 */
#ifndef DSR_REPORT_DATE_H
#define DSR_REPORT_DATE_H

#include "pg/pg_headers.h"

/*
 * 'today', 'yesterday' (in daily_sales_report.timezone) or 'YYYY-MM-DD'.
 * Anything else — NULL, '', '2025-02-30', 'tomorrow', a future day — is an
 * ERROR that says what was wrong and what to pass instead.
 */
DateADT dsr_parse_report_date(const char *text, bool isnull);

/* Today's date in the report calendar. */
DateADT dsr_today(void);

/* 'YYYY-MM-DD' (palloc'd), whatever DateStyle says. */
char *dsr_date_iso(DateADT date);

#endif /* DSR_REPORT_DATE_H */
