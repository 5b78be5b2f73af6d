/*
 * kpi_source.h — what the two ways of reading a day share: the resolved
 * source, the day bounds, and the reading of the KPI rows.
 *
 * kpi_query.cpp resolves the source and reads a view; shop_query.cpp reads
 * the shop's own tables.  Both return rows of the same shape (see
 * dsr_read_kpi_rows).
 */
#ifndef DSR_KPI_SOURCE_H
#define DSR_KPI_SOURCE_H

#include "pg/pg_headers.h"
#include "core/report.h"

/* The FROM item for the source, and the type of its ordered_at column. */
typedef struct Source
{
    const char *from_item;
    Oid         ordered_at_type;
} Source;

/* The days a report reads: the day, the day before, the same weekday a week before. */
enum
{
    DSR_DAY = 0,
    DSR_DAY_BEFORE = 1,
    DSR_WEEK_BEFORE = 2,
    DSR_READ_DAYS = 3
};

/*
 * Bounds of those days as values of ordered_at's own type, so the
 * comparisons are plain index range scans.
 */
typedef struct DayBounds
{
    Datum       from[DSR_READ_DAYS];
    Datum       to[DSR_READ_DAYS];
    int         hours;
} DayBounds;

/* Positions of the KPI rows' columns (1-based, as SPI counts). */
enum
{
    KPI_KIND = 1,       /* 0 totals, 1 a top product, 2 an hour, 3 a comparison day */
    KPI_KEY,            /* product name, hour, or comparison day ("1", "7") */
    KPI_ORDERS,
    KPI_REVENUE,
    KPI_ITEMS,
    KPI_ROWS_READ,
    KPI_AVERAGE,
    KPI_BAD_ORDER_ID    /* a view's unusable lines, three columns, on the totals row */
};

/*
 * A source line's quantity and line_total must be finite and within this
 * bound: NaN or Infinity would poison every sum, and sums of bounded lines
 * stay exact in numeric and close in float8 (the PDF and the metrics).
 */
#define LINE_LIMIT "1e15"

/* Any figure (a day's revenue, a product's): beyond it the result row could not carry it exactly. */
#define FIGURE_LIMIT "1e30"

/*
 * A view's lines with quantity and line_total as numeric, NULL where
 * unusable (NaN, infinite, beyond the bound), so no sum or cast fails on
 * them: the unusable ones are counted instead (dsr_check_bad_lines).
 */
#define VIEW_LINES(extra, where) \
    "SELECT order_id, product::text AS product," extra \
    "       CASE WHEN dsr_q BETWEEN -" LINE_LIMIT " AND " LINE_LIMIT " THEN dsr_q END AS quantity," \
    "       CASE WHEN dsr_t BETWEEN -" LINE_LIMIT " AND " LINE_LIMIT " THEN dsr_t END AS line_total" \
    "  FROM (SELECT s.*, quantity::numeric AS dsr_q, line_total::numeric AS dsr_t FROM %s s WHERE " where ") r"
#define BAD_LINES \
    "count(*) - count(order_id) AS bad_order_id, count(*) - count(quantity) AS bad_quantity," \
    " count(*) - count(line_total) AS bad_line_total"

/* A product whose name is NULL still sold: it is listed under this name. */
#define UNNAMED_PRODUCT "(unnamed product)"

/* orders, order_items, products as checked and locked at the start of the attempt (InvalidOid: missing) */
extern Oid dsr_shop_relids[3];

/*
 * From here to the end of the KPI query, statements may read the checked
 * tables and the catalogs only, and call no function of the tables' owner
 * (shop_guard.cpp).
 */
void dsr_shop_guard_start(void);

/* Why the default source reads tables only, and what to do instead (the errdetail and errhint of its refusals). */
#define DSR_NOT_TABLES_DETAIL "The default source reads the shop's tables only, with built-in column types: a view, a foreign table's server, or a type's casts run their code as whoever runs the report."
#define DSR_NOT_TABLES_HINT "Point daily_sales_report.source at a view you trust, or restore the table."

/* A table or a partitioned table: what the default source reads. */
bool dsr_is_table(char relkind);

/* "a view", "a foreign table"...: what a relation of `relkind` is, for a message. */
const char *dsr_relation_kind(char relkind);

/*
 * ERROR if a partition or inheritance child of the shop's table `relid`
 * (at any depth) is anything but a table; locks them all (shop_guard.cpp).
 */
void dsr_check_shop_children(Oid relid);

/* The bounds of the day `offset` days before `date` in ordered_at's type; `hours` (or NULL) its length. */
void dsr_day_range(const Source *source, DateADT date, int offset, Datum *from, Datum *to, int *hours);

/*
 * Turn the guard on the shop's tables off (statements on the extension's
 * own tables) and on again (statements on the shop's); no effect for a view.
 */
void dsr_shop_guard(bool on);

/*
 * The day's expected revenue into report->expected (expected_revenue.cpp),
 * after the day and its comparison days are read: stores their figures.
 */
void dsr_expected_revenue(const Source *source, DateADT date, DsrReport *report);

/* Whether the run reads the shop's own tables (daily_sales_report.source empty), not a view. */
bool dsr_reads_shop_tables(void);

/* `text` with every `token` replaced by `with`, palloc'd. */
char *dsr_replace_all(const char *text, const char *token, const char *with);

/* `sql` with every {shop} replaced by the quoted schema of the shop's tables. */
char *dsr_for_shop(const char *sql);

/*
 * Run a read-only statement on the sales of the report's days
 * (SPI_execute_with_args, `count` rows at most).  PostgreSQL's own errors
 * on a value of a row (quantity * price beyond double precision, a view's
 * cast) name the source (NULL: the shop's tables) and the fix.  (The band's
 * weeks have their own WARNING, expected_revenue.cpp.)
 */
void dsr_read_sales(const char *sql, int nargs, Oid *types, Datum *values, long count, const char *source);

/*
 * SQL for the local hour of a timestamp column; `source_zone` and
 * `calendar_zone` are the parameters holding the two time zones.
 */
const char *dsr_local_hour(const Source *source, const char *column, const char *source_zone,
                           const char *calendar_zone);

/*
 * A day's revenue (numeric, column `column` of an SPI row) rounded to cents,
 * as text in `context` and as double, and its items sold (a numeric sum of
 * quantities); NULL is 0.  ERROR, naming the column to fix, on NaN, infinity
 * or a figure no report holds (kpi_rows.cpp).
 */
const char *dsr_spi_revenue(HeapTuple row, TupleDesc desc, int column, MemoryContext context, double *as_double);
int64 dsr_spi_items(HeapTuple row, TupleDesc desc, int column);

/*
 * ERROR naming the column, the rows and the fix if a view's BAD_LINES
 * (columns first.. first+2 of `row`) counted any; `days` names the days.
 */
void dsr_check_bad_lines(HeapTuple row, TupleDesc desc, int first, const char *source, const char *days);

/* Read the KPI rows of the last SPI query into `report`; `source` and `days` name them in errors (kpi_rows.cpp). */
void dsr_read_kpi_rows(MemoryContext context, const char *source, const char *days, DsrReport *report);

/* Read the comparison row of the last SPI query (a view's day before and week before) into `report`. */
void dsr_read_comparison_row(MemoryContext context, const char *source, const char *days, DsrReport *report);

/*
 * Whether orders.id identifies one order row: a unique index on it alone,
 * NOT NULL, no inheritance child (shop_query.cpp; the tables are locked).
 * Otherwise orders are counted by distinct id, and each line once per day.
 */
bool dsr_shop_order_ids_unique(void);

/* The shop's own tables (shop_query.cpp). */
void dsr_query_shop(const Source *source, const DayBounds *bounds, bool *notice_given,
                    MemoryContext context, DsrReport *report);

#endif /* DSR_KPI_SOURCE_H */
