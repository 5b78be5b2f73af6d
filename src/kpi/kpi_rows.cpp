/*
 * kpi_rows.cpp — the KPI rows a source's statements return, read into the
 * report: every value may be NULL, every figure is checked before it is
 * published (NaN, infinite, beyond what a report holds).
 */
#include <math.h>

#include "kpi/kpi_source.h"
#include "pg/server_text.h"
#include "pg/spi_values.h"

static int64
get_int64(HeapTuple tuple, TupleDesc desc, int column)
{
    return dsr_spi_int64(tuple, desc, column, 0);
}

/* Where a figure's lines come from, for the hints: the shop's tables or the view. */
#define FIX_LINES(columns) \
    "Fix those lines (on the shop's tables: order_items." columns "), or filter them out in the view daily_sales_report.source points at."

/* Items sold: a numeric sum of quantities (the shop's float8 quantities can be NaN), NULL is 0. */
static int64
items_figure(Datum value, bool isnull)
{
    if (isnull)
        return 0;
    if (numeric_is_nan(DatumGetNumeric(value)) || numeric_is_inf(DatumGetNumeric(value)))
        ereport(ERROR,
                (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                 errmsg("the items sold of the sales source are %s",
                        DatumGetCString(DirectFunctionCall1(numeric_out, value))),
                 errdetail("A quantity of the day, the day before or the week before is NaN or infinite."),
                 errhint(FIX_LINES("quantity"))));
    /* compared as numeric: a sum beyond float8's range (1e400) is named too, not a conversion error */
    if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, DirectFunctionCall1(numeric_abs, value),
                                          dsr_numeric("9e18"))) >= 0)
        ereport(ERROR,
                (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                 errmsg("the quantities of the sales source add up to %s items, more than a bigint holds",
                        DatumGetCString(DirectFunctionCall1(numeric_out, value))),
                 errdetail("No shop sells that many items in a day: a line's quantity is wrong."),
                 errhint(FIX_LINES("quantity"))));
    return DatumGetInt64(DirectFunctionCall1(numeric_int8, value));
}

int64
dsr_spi_items(HeapTuple tuple, TupleDesc desc, int column)
{
    bool        isnull;
    Datum       value = SPI_getbinval(tuple, desc, column, &isnull);

    if (SPI_gettypeid(desc, column) != NUMERICOID)
        return get_int64(tuple, desc, column);
    return items_figure(value, isnull);
}

/* A revenue (numeric) rounded to cents, as exact text in `context` and as double; NULL is 0. */
static const char *
revenue_figure(Datum value, bool isnull, MemoryContext context, double *as_double)
{
    char *text;

    if (isnull)
        value = dsr_numeric("0");
    /* a view's lines are checked in SQL; the shop's float8 prices and quantities can still be NaN or Infinity */
    if (numeric_is_nan(DatumGetNumeric(value)) || numeric_is_inf(DatumGetNumeric(value)))
        ereport(ERROR,
                (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                 errmsg("the revenue of the sales source is %s",
                        DatumGetCString(DirectFunctionCall1(numeric_out, value))),
                 errdetail("A line total of the day, the day before or the week before is NaN or infinite."),
                 errhint(FIX_LINES("price and quantity"))));
    /* the shop's own prices are not bounded like a view's lines: a figure must still be one a report holds */
    if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, DirectFunctionCall1(numeric_abs, value),
                                          dsr_numeric(FIGURE_LIMIT))) >= 0)
        ereport(ERROR,
                (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                 errmsg("a revenue of the sales source is %s, beyond +-" FIGURE_LIMIT,
                        DatumGetCString(DirectFunctionCall1(numeric_out, value))),
                 errdetail("No shop sells that much in a day: a line's price or quantity is wrong."),
                 errhint(FIX_LINES("price and quantity"))));
    value = DirectFunctionCall2(numeric_round, value, Int32GetDatum(2));
    text = DatumGetCString(DirectFunctionCall1(numeric_out, value));
    *as_double = DatumGetFloat8(DirectFunctionCall1(numeric_float8, value));
    return MemoryContextStrdup(context, text);
}

const char *
dsr_spi_revenue(HeapTuple tuple, TupleDesc desc, int column, MemoryContext context, double *as_double)
{
    bool        isnull;
    Datum       value = SPI_getbinval(tuple, desc, column, &isnull);

    return revenue_figure(value, isnull, context, as_double);
}

/*
 * A view's counts of unusable lines (columns first.. first+2: order_id NULL,
 * quantity and line_total NULL/NaN/infinite/beyond the bound): an ERROR that
 * names the column, the rows and the fix.  Guessing would publish wrong
 * figures; a NULL product name is only a label (see dsr_read_kpi_rows).
 */
void
dsr_check_bad_lines(HeapTuple row, TupleDesc desc, int first, const char *source, const char *days)
{
    int64       bad_order_id = get_int64(row, desc, first);
    int64       bad_quantity = get_int64(row, desc, first + 1);
    int64       bad_line_total = get_int64(row, desc, first + 2);

    if (bad_order_id > 0)
        ereport(ERROR,
                (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                 errmsg("column order_id of the sales source %s is NULL in %lld rows of %s",
                        source, (long long) bad_order_id, days),
                 errdetail("Orders are counted by order_id: every line must belong to an order."),
                 errhint("Fix those rows, or leave them out of the view daily_sales_report.source points at.")));
    if (bad_quantity > 0 || bad_line_total > 0)
        ereport(ERROR,
                (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                 errmsg("column %s of the sales source %s is NULL, NaN, infinite or beyond +-" LINE_LIMIT " in %lld rows of %s",
                        bad_line_total > 0 ? "line_total" : "quantity", source,
                        (long long) (bad_line_total > 0 ? bad_line_total : bad_quantity), days),
                 errdetail("Revenue sums line_total and items sold sum quantity: such a line would make them wrong."),
                 errhint("Fix those rows, or filter or coalesce them in the view daily_sales_report.source points at.")));
}

/*
 * The KPI rows (columns KPI_*): the totals (kind 0) first, then the top N
 * products (kind 1), the hours (kind 2) and, from the shop's tables, the
 * comparison days (kind 3).
 */
void
dsr_read_kpi_rows(MemoryContext context, const char *source, const char *days, DsrReport *report)
{
    TupleDesc   desc = SPI_tuptable->tupdesc;

    /* the totals row first: an unusable line fails the run before any figure is taken */
    for (uint64 i = 0; i < SPI_processed && desc->natts >= KPI_BAD_ORDER_ID + 2; i++)
        if (dsr_spi_int64(SPI_tuptable->vals[i], desc, KPI_KIND, -1) == 0)
            dsr_check_bad_lines(SPI_tuptable->vals[i], desc, KPI_BAD_ORDER_ID, source, days);

    for (uint64 i = 0; i < SPI_processed; i++)
    {
        HeapTuple   row = SPI_tuptable->vals[i];
        int64       kind = dsr_spi_int64(row, desc, KPI_KIND, -1);
        double      revenue;
        const char *revenue_text = dsr_spi_revenue(row, desc, KPI_REVENUE, context, &revenue);
        char       *key = SPI_getvalue(row, desc, KPI_KEY);     /* NULL for a NULL */

        if (kind == 0)
        {
            report->orders = get_int64(row, desc, KPI_ORDERS);
            report->revenue = revenue;
            report->revenue_text = revenue_text;
            report->items_sold = dsr_spi_items(row, desc, KPI_ITEMS);
            report->rows_read += get_int64(row, desc, KPI_ROWS_READ);
            report->avg_ticket_text = dsr_spi_revenue(row, desc, KPI_AVERAGE, context, &report->avg_ticket);
        }
        else if (kind == 1 && report->top_count < DSR_MAX_TOP_N)
        {
            DsrProduct *p = &report->top[report->top_count++];
            const char *stored = key != NULL ? key : UNNAMED_PRODUCT;

            p->name = dsr_server_to_utf8(stored, context);
            p->quantity = dsr_spi_items(row, desc, KPI_ITEMS);
            p->revenue = revenue;
            p->revenue_text = revenue_text;
            if (report->top_count == 1)
                report->top_product_stored = MemoryContextStrdup(context, stored);
        }
        else if (kind == 2 && key != NULL)
        {
            int hour = atoi(key);

            if (hour >= 0 && hour < DSR_HOURS)
                report->hourly_revenue[hour] = revenue;
        }
        else if (kind == 3 && key != NULL)
        {
            DsrTotals  *day = strcmp(key, "1") == 0 ? &report->previous_day : &report->week_before;

            day->orders = get_int64(row, desc, KPI_ORDERS);
            day->revenue = revenue;
            day->revenue_text = revenue_text;
            day->items_sold = dsr_spi_items(row, desc, KPI_ITEMS);
            report->rows_read += get_int64(row, desc, KPI_ROWS_READ);
        }
    }
}

/*
 * Positions of the comparison row's columns (1-based): orders, revenue of
 * the day before and the week before, their items, rows read [, unusable
 * lines x3 for a view].
 */
enum
{
    COMPARISON_DAY_BEFORE_ORDERS = 1,
    COMPARISON_DAY_BEFORE_REVENUE,
    COMPARISON_WEEK_BEFORE_ORDERS,
    COMPARISON_WEEK_BEFORE_REVENUE,
    COMPARISON_DAY_BEFORE_ITEMS,
    COMPARISON_WEEK_BEFORE_ITEMS,
    COMPARISON_ROWS_READ,
    COMPARISON_BAD_LINES,       /* a view's unusable lines, three columns */
    COMPARISON_VIEW_COLUMNS = COMPARISON_BAD_LINES + 2
};

void
dsr_read_comparison_row(MemoryContext context, const char *source, const char *days, DsrReport *report)
{
    HeapTuple   row = SPI_tuptable->vals[0];
    TupleDesc   desc = SPI_tuptable->tupdesc;
    DsrTotals  *before = &report->previous_day, *week = &report->week_before;

    if (desc->natts >= COMPARISON_VIEW_COLUMNS)
        dsr_check_bad_lines(row, desc, COMPARISON_BAD_LINES, source, days);
    before->orders = get_int64(row, desc, COMPARISON_DAY_BEFORE_ORDERS);
    before->revenue_text = dsr_spi_revenue(row, desc, COMPARISON_DAY_BEFORE_REVENUE, context, &before->revenue);
    week->orders = get_int64(row, desc, COMPARISON_WEEK_BEFORE_ORDERS);
    week->revenue_text = dsr_spi_revenue(row, desc, COMPARISON_WEEK_BEFORE_REVENUE, context, &week->revenue);
    before->items_sold = dsr_spi_items(row, desc, COMPARISON_DAY_BEFORE_ITEMS);
    week->items_sold = dsr_spi_items(row, desc, COMPARISON_WEEK_BEFORE_ITEMS);
    report->rows_read += get_int64(row, desc, COMPARISON_ROWS_READ);
}

