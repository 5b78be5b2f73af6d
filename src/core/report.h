/*
 * report.h — the plain data that crosses the C++ <-> PostgreSQL boundary.
 *
 * Everything here is POD: the PostgreSQL side fills it from SPI (strings are
 * palloc'd and outlive the call), the pure C++ side (PDF, metrics payload)
 * only reads it.  No PostgreSQL header and no C++ type appears here, so both
 * sides can include it.
 */
#ifndef DSR_REPORT_H
#define DSR_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C"
{
#endif

#define DSR_MAX_TOP_N 20
#define DSR_HOURS     24

    typedef struct DsrProduct
    {
        const char *name;         /* UTF-8, may contain any character */
        int64_t     quantity;     /* units sold that day */
        double      revenue;      /* sum of line totals, currency units */
        const char *revenue_text; /* the same, exact numeric text rounded to cents */
    } DsrProduct;

    /* Totals of one day, used for the day itself and for the comparisons. */
    typedef struct DsrTotals
    {
        int64_t     orders;
        int64_t     items_sold;
        double      revenue;
        const char *revenue_text; /* exact, rounded to cents, e.g. "15420.50" */
    } DsrTotals;

    /*
 * The revenue expected for the day, from the same weekday of the weeks
 * before it (expected_band.h says how).  weeks == 0: no history, the other
 * fields are 0 and nothing is published.
 */
    typedef struct DsrExpected
    {
        int    weeks;    /* same weekdays it is made of, 0..DSR_EXPECTED_WEEKS */
        double expected; /* their median */
        double lower;    /* the band around it */
        double upper;
    } DsrExpected;

#define DSR_EXPECTED_WEEKS 8

    typedef struct DsrReport
    {
        /* what was reported */
        const char *shop_name;   /* shown in the header, e.g. "TechCommerce" */
        const char *report_date; /* "YYYY-MM-DD" */
        const char *timezone;    /* the calendar the day is read in, e.g. "America/Sao_Paulo" */
        int         day_hours;   /* 24, or 23/25 on a DST change day */

        /* KPIs of the day */
        int64_t     orders;
        double      revenue;
        const char *revenue_text;
        double      avg_ticket;
        const char *avg_ticket_text;
        int64_t     items_sold;
        int64_t     rows_read; /* source rows the queries read (throughput) */

        int        top_count; /* filled entries of top[] */
        DsrProduct top[DSR_MAX_TOP_N];

        double hourly_revenue[DSR_HOURS]; /* local hour of day -> revenue */

        DsrTotals   previous_day; /* the day before */
        DsrTotals   week_before;  /* same weekday, 7 days before */
        DsrExpected expected;     /* the day's expected revenue and its band */

        /* about the run, for the footer */
        int64_t     run_id;
        const char *generated_at;  /* "YYYY-MM-DD HH:MM:SS TZ" */
        double      query_seconds; /* database part of the run so far */

        /* top[0].name as stored, in the database's encoding: the run row and the result carry it */
        const char *top_product_stored;

        /* presentation: daily_sales_report.locale ("en", "pt-BR"; NULL or empty
     * is "en") and .currency (ISO 4217 code, e.g. "BRL"; NULL or empty: no
     * currency sign, amounts as plain grouped numbers) */
        const char *locale;
        const char *currency;

        /* TrueType fonts (a .ttc: its first font), colon-separated, for the
     * characters DejaVu lacks: NULL is fonts-wqy-zenhei's then
     * fonts-lohit-deva's, "" none; a missing file is skipped */
        const char *fallback_font_path;
    } DsrReport;

#ifdef __cplusplus
}
#endif

#endif /* DSR_REPORT_H */
