/*
 * shop_query.cpp — the day's KPIs from the shop's own tables (orders,
 * order_items, products), read the fast way on any data shape, with or
 * without the recommended indexes.  bench/ measures it against hand-written
 * SQL and plain scripts (README, "Performance").
 *
 * The statements, whatever the shop:
 *  1. the orders of the three days (the day, the day before, the week
 *     before): how many are closed, and the range of their ids;
 *  2. only with the indexes, and only where a day's ids are spread (orders
 *     written late, with a later day's ids): a histogram of its ids, to
 *     find the dense range;
 *  3. the day's lines, by hour and by product;
 *  4. the comparison days' lines, in total.
 * Every figure is computed from the rows: the id ranges only choose what is
 * read, never what is counted (the join is on the order's id, the filter on
 * its created_at).
 */
#include "kpi/kpi_source.h"
#include "extension/settings.h"
#include "pg/spi_values.h"

/* Histogram buckets for a spread day: fine enough to leave late orders out of the dense range. */
#define ID_BUCKETS 4096

/*
 * Statement 1: the closed orders of each day, their count and id range (an
 * empty day: 0, -1); %s is the range, or "0, -1" where ids are not integers.
 */
#define ID_RANGE "coalesce(min(id), 0)::bigint, coalesce(max(id), -1)::bigint"
static const char DAYS_SQL[] =
    "SELECT k, count(*), %s"
    "  FROM (SELECT CASE WHEN created_at >= $1 AND created_at < $2 THEN 0"
    "                    WHEN created_at >= $3 AND created_at < $4 THEN 1 ELSE 7 END AS k, id"
    "          FROM {shop}.orders"
    "         WHERE NOT is_open"
    "           AND (created_at >= $1 AND created_at < $2 OR created_at >= $3 AND created_at < $4"
    "                OR created_at >= $5 AND created_at < $6)) AS d"
    " GROUP BY k";

/* Statement 2: a day's closed orders with ids from $3 to $5, per bucket of $4 ids. */
static const char HISTOGRAM_SQL[] =
    "SELECT floor((id - $3) / $4)::bigint AS bucket, count(*) FROM {shop}.orders"
    " WHERE NOT is_open AND created_at >= $1 AND created_at < $2 AND id BETWEEN $3 AND $5"
    " GROUP BY 1";

/*
 * A day's lines (k, t = created_at, product_id, x = quantity * price,
 * q = quantity) with the recommended indexes: a merge of two index range
 * scans over the day's dense id range (orders_pkey and order_items
 * (order_id): no hash table, no sort), and the orders outside it (late
 * ones) one by one through the index, only when there are some (`any`).
 */
#define DENSE_LINES(k, from, to, low, high) \
    "SELECT " k " AS k, o.created_at AS t, i.product_id, i.quantity * i.price AS x, i.quantity AS q" \
    "  FROM {shop}.orders o JOIN {shop}.order_items i ON i.order_id = o.id" \
    " WHERE NOT o.is_open AND o.created_at >= " from " AND o.created_at < " to \
    "   AND o.id BETWEEN " low " AND " high " AND i.order_id BETWEEN " low " AND " high
#define OUTLYING_LINES(k, from, to, lowest, low, high, highest, any) \
    "SELECT " k ", o.created_at, i.product_id, i.quantity * i.price, i.quantity" \
    "  FROM {shop}.orders o CROSS JOIN LATERAL" \
    "       (SELECT product_id, quantity, price FROM {shop}.order_items i WHERE i.order_id = o.id OFFSET 0) AS i" \
    " WHERE " any " AND NOT o.is_open AND o.created_at >= " from " AND o.created_at < " to \
    "   AND (o.id >= " lowest " AND o.id < " low " OR o.id > " high " AND o.id <= " highest ")"
/*
 * Without an index on order_items(order_id) the table is read whole: a hash
 * join with the days' orders, the id ranges dropping other days' lines
 * before the join.
 */
#define SCANNED_LINES(k, days, ranges) \
    "SELECT " k " AS k, o.created_at AS t, i.product_id, i.quantity * i.price AS x, i.quantity AS q" \
    "  FROM {shop}.orders o JOIN {shop}.order_items i ON i.order_id = o.id" \
    " WHERE NOT o.is_open AND (" days ") AND (" ranges ")"

/*
 * The day: $1, $2 its bounds, $6, $7 its dense range, $8 whether orders lie
 * outside it, in $10..$6 - 1 or $7 + 1..$11.
 */
static const char DAY_INDEXED_LINES[] =
    DENSE_LINES("0", "$1", "$2", "$6", "$7")
    " UNION ALL " OUTLYING_LINES("0", "$1", "$2", "$10", "$6", "$7", "$11", "$8");
static const char DAY_SCANNED_LINES[] =
    SCANNED_LINES("0", "o.created_at >= $1 AND o.created_at < $2", "i.order_id BETWEEN $6 AND $7");

/*
 * The comparison days: $1..$4 their bounds, $5..$8 their dense ranges, $9,
 * $10 whether orders lie outside them, within $13..$14 and $15..$16.
 */
static const char COMPARISON_INDEXED_LINES[] =
    DENSE_LINES("1", "$1", "$2", "$5", "$6") " UNION ALL " DENSE_LINES("7", "$3", "$4", "$7", "$8")
    " UNION ALL " OUTLYING_LINES("1", "$1", "$2", "$13", "$5", "$6", "$14", "$9")
    " UNION ALL " OUTLYING_LINES("7", "$3", "$4", "$15", "$7", "$8", "$16", "$10");
static const char COMPARISON_SCANNED_LINES[] =
    SCANNED_LINES("CASE WHEN o.created_at >= $1 AND o.created_at < $2 THEN 1 ELSE 7 END",
                  "o.created_at >= $1 AND o.created_at < $2 OR o.created_at >= $3 AND o.created_at < $4",
                  "i.order_id BETWEEN $5 AND $6 OR i.order_id BETWEEN $7 AND $8");

/* Order ids that are not integers (uuid, text...) have no ranges: the planner joins the days' orders. */
static const char DAY_KEYED_LINES[] =
    SCANNED_LINES("0", "o.created_at >= $1 AND o.created_at < $2", "true");
static const char COMPARISON_KEYED_LINES[] =
    SCANNED_LINES("CASE WHEN o.created_at >= $1 AND o.created_at < $2 THEN 1 ELSE 7 END",
                  "o.created_at >= $1 AND o.created_at < $2 OR o.created_at >= $3 AND o.created_at < $4", "true");

/*
 * The day's KPI rows (kpi_source.h) from its lines:
 *  - float8 -> numeric (exact cents) is cast once per distinct line amount:
 *    sum((q*p)::numeric) = sum(n * (q*p)::numeric) over the n lines of
 *    equal q*p, per product (the totals are the sum of those); revenue per
 *    hour only draws the chart, so it is summed in float8 — grouping hours
 *    by amount too would hold tens of thousands of groups in memory;
 *  - orders are counted on orders alone (statement 1: $9), not with
 *    count(DISTINCT) over the lines;
 *  - products are grouped by id and named at the end;
 *  - a line whose quantity or price is NULL (x NULL) adds nothing: not its
 *    quantity to the items, nor its product to the best sellers (where a
 *    NULL sum sorted first, ahead of every real seller, with 0.00).
 * The comparison days are a second statement: folding them into these
 * grouping sets costs more than reading their lines again (bench/).
 */
static const char DAY_SQL[] =
    "WITH lines AS (%s),"
    " g AS MATERIALIZED ("
    "    SELECT GROUPING(product_id) AS by_hour, h, product_id, x, count(*) AS n, sum(q) AS q, sum(x) AS amount"
    "      FROM (SELECT %s AS h, product_id, x, q FROM lines WHERE x IS NOT NULL) AS l"
    "     GROUP BY GROUPING SETS ((h), (product_id, x))),"
    " totals AS ("
    "    SELECT sum(n * x::numeric) AS revenue, sum(q) AS items, sum(n) AS lines FROM g WHERE by_hour = 0)"
    " SELECT 0 AS kind, NULL::text AS key, $9::bigint, coalesce(t.revenue, 0), t.items::bigint,"
    "        t.lines::bigint, t.revenue / nullif($9, 0)"
    "   FROM totals t"
    " UNION ALL"
    " (SELECT 1, coalesce(p.name, 'product #' || g.product_id), NULL, sum(n * x::numeric), sum(q)::bigint,"
    "         NULL, NULL"
    "    FROM g LEFT JOIN {shop}.products p ON p.id = g.product_id"
    "   WHERE by_hour = 0"
    "   GROUP BY 2 ORDER BY 4 DESC, 2 LIMIT $5)"
    " UNION ALL"
    " SELECT 2, h::text, NULL, amount::numeric, NULL, NULL, NULL FROM g WHERE by_hour = 1";

/* The comparison days' KPI rows (kind 3): the same sums, orders counted by statement 1 ($11, $12). */
static const char COMPARISON_SQL[] =
    "SELECT 3, d.k::text, CASE d.k WHEN 1 THEN $11 ELSE $12 END::bigint, coalesce(sum(n * x::numeric), 0),"
    "       coalesce(sum(q), 0)::bigint, coalesce(sum(n), 0)::bigint, NULL"
    "  FROM (VALUES (1), (7)) AS d(k)"
    "  LEFT JOIN (SELECT k, x, count(*) AS n, sum(q) AS q FROM (%s) AS l WHERE x IS NOT NULL GROUP BY k, x) AS s"
    "         ON s.k = d.k"
    " GROUP BY d.k";

/* What statement 1 found for one day, and the range statements 3 and 4 merge. */
typedef struct DayOrders
{
    int64       closed;         /* closed orders: the day's order count */
    int64       lowest_id;      /* all of them lie in [lowest_id, highest_id] */
    int64       highest_id;
    int64       dense_low;      /* the range read by a merge; the others one by one */
    int64       dense_high;
    bool        outlying;       /* some lie outside [dense_low, dense_high] */
} DayOrders;

/* How the shop's tables can be read. */
typedef struct ShopAccess
{
    bool        indexed;        /* order_items(order_id) has an index: days are read by range scans */
    bool        integer_ids;    /* orders.id is an integer: a day's orders have an id range */
} ShopAccess;

/*
 * Are orders(created_at) and order_items(order_id) indexed (a valid btree,
 * not partial, led by that column), and are order ids integers?  A NOTICE
 * names a missing index and the statement that creates it, once per run.
 */
static ShopAccess
shop_access(bool *notice_given)
{
    Oid         types[2] = {OIDOID, OIDOID};
    Datum       values[2] = {ObjectIdGetDatum(dsr_shop_relids[0]), ObjectIdGetDatum(dsr_shop_relids[1])};
    HeapTuple   row;
    bool        orders_indexed;
    ShopAccess  access;

    if (SPI_execute_with_args(
            "SELECT coalesce(bool_or(c.relname = 'orders'), false), coalesce(bool_or(c.relname = 'order_items'), false),"
            "       (SELECT a.atttypid IN ('int2'::pg_catalog.regtype, 'int4'::pg_catalog.regtype,"
            "                              'int8'::pg_catalog.regtype)"
            "          FROM pg_catalog.pg_attribute a"
            "         WHERE a.attrelid = $1"
            "           AND a.attname = 'id' AND NOT a.attisdropped)"
            "  FROM pg_catalog.pg_index i"
            "  JOIN pg_catalog.pg_class c ON c.oid = i.indrelid"
            "  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
            "  JOIN pg_catalog.pg_am am ON am.oid = ic.relam AND am.amname = 'btree'"
            "  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]"
            " WHERE c.oid IN ($1, $2)"
            "   AND i.indisvalid AND i.indpred IS NULL"
            "   AND (c.relname, a.attname) IN (('orders', 'created_at'), ('order_items', 'order_id'))",
            2, types, values, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "could not look up the shop's indexes");
    row = SPI_tuptable->vals[0];
    orders_indexed = DatumGetBool(dsr_spi_required(row, SPI_tuptable->tupdesc, 1, "an index"));
    access.indexed = DatumGetBool(dsr_spi_required(row, SPI_tuptable->tupdesc, 2, "an index"));
    {
        bool        isnull;
        Datum       integer_ids = SPI_getbinval(row, SPI_tuptable->tupdesc, 3, &isnull);

        access.integer_ids = !isnull && DatumGetBool(integer_ids);
    }

    if (!*notice_given && !(orders_indexed && access.indexed))
    {
        const char *schema = quote_identifier(dsr_shop_schema_name());

        *notice_given = true;
        ereport(NOTICE,
                (errmsg("the shop's tables lack the recommended %s: each run reads %s whole",
                        orders_indexed ? "index on order_items (order_id)"
                        : access.indexed ? "index on orders (created_at)"
                        : "indexes on orders (created_at) and order_items (order_id)",
                        orders_indexed ? "order_items" : access.indexed ? "orders" : "both tables"),
                 errhint("As the tables' owner, run %s%s(or SELECT daily_sales_report.create_recommended_indexes();"
                         " which blocks writes while it builds).",
                         orders_indexed ? "" : psprintf("CREATE INDEX CONCURRENTLY ON %s.orders (created_at); ", schema),
                         access.indexed ? "" : psprintf("CREATE INDEX CONCURRENTLY ON %s.order_items (order_id); ", schema))));
    }
    return access;
}

/* Statement 1, into days[]. */
static void
count_orders(const DayBounds *bounds, Oid type, bool integer_ids, DayOrders *days)
{
    Oid         types[6] = {type, type, type, type, type, type};
    Datum       values[6] = {bounds->from[DSR_DAY], bounds->to[DSR_DAY],
                             bounds->from[DSR_DAY_BEFORE], bounds->to[DSR_DAY_BEFORE],
                             bounds->from[DSR_WEEK_BEFORE], bounds->to[DSR_WEEK_BEFORE]};

    for (int d = 0; d < DSR_READ_DAYS; d++)
        days[d] = (DayOrders) {0, 0, -1, 0, -1, false};
    if (SPI_execute_with_args(dsr_for_shop(psprintf(DAYS_SQL, integer_ids ? ID_RANGE : "0::bigint, -1::bigint")),
                              6, types, values, NULL, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "the orders query failed");
    for (uint64 r = 0; r < SPI_processed; r++)
    {
        HeapTuple   row = SPI_tuptable->vals[r];
        TupleDesc   desc = SPI_tuptable->tupdesc;
        int64       k = dsr_spi_int64(row, desc, 1, -1);
        DayOrders  *day = &days[k == 0 ? DSR_DAY : k == 1 ? DSR_DAY_BEFORE : DSR_WEEK_BEFORE];

        day->closed = dsr_spi_int64(row, desc, 2, 0);
        day->lowest_id = dsr_spi_int64(row, desc, 3, 0);
        day->highest_id = dsr_spi_int64(row, desc, 4, -1);
        day->dense_low = day->lowest_id;
        day->dense_high = day->highest_id;
    }
}

/*
 * `x` (an id computed in double) within [low, high]: a double at or beyond
 * 2^63 (low + 4096 * width when the last bucket is the dense one) has no
 * int64, and converting it is undefined behaviour.
 */
static int64
id_within(double x, int64 low, int64 high)
{
    if (!(x > (double) low))
        return low;
    if (x >= (double) high)
        return high;
    return (int64) x;           /* (double) low < x < (double) high <= 2^63 */
}

/*
 * Statement 2, where a day's ids spread over more than twice its count: the
 * dense range is the run of id buckets with the largest excess of orders
 * over half the fullest bucket (Kadane's maximum subarray), so the day's
 * bulk is merged and its late orders, scattered in a later day's ids, are
 * fetched one by one instead of merging that day too.  A few passes, each
 * within the last range: one order far away makes the first buckets coarse.
 */
static void
find_dense_range(const DayBounds *bounds, int d, Oid type, DayOrders *day)
{
    int64       inside = day->closed;

    /* ids may span all of bigint: the arithmetic on them is in double, the bounds clamped to the day's */
    for (int pass = 0; pass < 3 && inside > 0 &&
         (double) day->dense_high - (double) day->dense_low + 1 > 2.0 * inside; pass++)
    {
        double      low = (double) day->dense_low;
        double      width = ceil(((double) day->dense_high - low + 1) / ID_BUCKETS);
        int         buckets = ID_BUCKETS + 1;
        int64      *counts = (int64 *) palloc0(sizeof(int64) * buckets);
        int64       fullest = 0;
        double      best = 0, run = 0;
        int         run_start = 0, best_start = 0, best_end = -1;
        Oid         types[5] = {type, type, FLOAT8OID, FLOAT8OID, INT8OID};
        Datum       values[5] = {bounds->from[d], bounds->to[d], Float8GetDatum(low), Float8GetDatum(width),
                                 Int64GetDatum(day->dense_high)};

        if (SPI_execute_with_args(dsr_for_shop(HISTOGRAM_SQL), 5, types, values, NULL, true, 0) != SPI_OK_SELECT)
            elog(ERROR, "the order id histogram query failed");
        for (uint64 r = 0; r < SPI_processed; r++)
        {
            int64       b = dsr_spi_int64(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, -1);

            /* rounding, or rows changed since statement 1 (READ COMMITTED): stay in the array */
            b = Max(0, Min(b, buckets - 1));
            counts[b] += dsr_spi_int64(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, 0);
            fullest = Max(fullest, counts[b]);
        }

        for (int b = 0; b < buckets; b++)
        {
            run += counts[b] - fullest / 2.0;
            if (run <= 0)
            {
                run = 0;
                run_start = b + 1;
            }
            else if (run > best)
            {
                best = run;
                best_start = run_start;
                best_end = b;
            }
        }
        inside = 0;
        for (int b = best_start; b <= best_end; b++)
            inside += counts[b];
        pfree(counts);
        if (best_end < 0)
            break;
        /* only the speed depends on these bounds: outside them, the orders are fetched one by one */
        {
            int64       dense_low = id_within(low + best_start * width, day->dense_low, day->dense_high);

            day->dense_high = id_within(low + (best_end + 1) * width - 1, day->dense_low, day->dense_high);
            day->dense_low = dense_low;
        }
    }
    day->outlying = day->dense_low > day->lowest_id || day->dense_high < day->highest_id;
}

void
dsr_query_shop(const Source *source, const DayBounds *bounds, bool *notice_given,
               MemoryContext context, DsrReport *report)
{
    Oid         t = source->ordered_at_type;
    ShopAccess  access = shop_access(notice_given);
    bool        indexed = access.indexed && access.integer_ids;
    DayOrders   days[DSR_READ_DAYS];
    const DayOrders *day = &days[DSR_DAY];
    const DayOrders *before = &days[DSR_DAY_BEFORE];
    const DayOrders *week = &days[DSR_WEEK_BEFORE];

    /*
     * Plan settings, for this transaction only.  jit is off: a cost past
     * jit_above_cost would make PostgreSQL compile these short statements at
     * full optimization (~0.4 s measured for an empty day).  With the
     * indexes, a day is read by range scans, which the planner merges by
     * itself once the id ranges are constants; parallel workers would only
     * ship every line to the leader (a Gather of the day), so there are none.
     * Without the indexes, the planner's defaults (hash joins, parallel
     * scans) are what reading whole tables needs.
     */
    if (SPI_execute(indexed
                    ? "SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"
                    : "SELECT set_config('jit', 'off', true)",
                    false, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not set the KPI query's plan settings");

    count_orders(bounds, t, access.integer_ids, days);
    if (indexed)
    {
        /*
         * A histogram has at most ID_BUCKETS groups, but the planner cannot
         * know it from an expression and would sort the whole day instead of
         * hashing: sorts are off for statement 2, then back to the caller's
         * value (it may have turned them off itself).
         */
        Oid         types[1] = {TEXTOID};
        Datum       values[1] = {CStringGetTextDatum(GetConfigOptionByName("enable_sort", NULL, false))};

        if (SPI_execute("SELECT set_config('enable_sort', 'off', true)", false, 1) != SPI_OK_SELECT)
            elog(ERROR, "could not set the KPI query's plan settings");
        for (int d = 0; d < DSR_READ_DAYS; d++)
            find_dense_range(bounds, d, t, &days[d]);
        if (SPI_execute_with_args("SELECT set_config('enable_sort', $1, true)", 1, types, values, NULL, false, 1)
            != SPI_OK_SELECT)
            elog(ERROR, "could not reset the KPI query's plan settings");
    }

    {
        Oid         types[11] = {t, t, TEXTOID, TEXTOID, INT4OID, INT8OID, INT8OID, BOOLOID, INT8OID,
                                 INT8OID, INT8OID};
        Datum       values[11] = {
            bounds->from[DSR_DAY], bounds->to[DSR_DAY],
            CStringGetTextDatum(dsr_source_timezone),
            CStringGetTextDatum(dsr_calendar_timezone()),
            Int32GetDatum(dsr_top_n),
            Int64GetDatum(day->dense_low), Int64GetDatum(day->dense_high),
            BoolGetDatum(day->outlying), Int64GetDatum(day->closed),
            Int64GetDatum(day->lowest_id), Int64GetDatum(day->highest_id),
        };
        char       *sql = psprintf(DAY_SQL, indexed ? DAY_INDEXED_LINES
                                   : access.integer_ids ? DAY_SCANNED_LINES : DAY_KEYED_LINES,
                                   dsr_local_hour(source, "t", "$3", "$4"));

        if (SPI_execute_with_args(dsr_for_shop(sql), 11, types, values, NULL, true, 0) != SPI_OK_SELECT)
            elog(ERROR, "the KPI query failed");
        dsr_read_kpi_rows(context, "orders", report->report_date, report);
    }
    {
        Oid         types[16] = {t, t, t, t, INT8OID, INT8OID, INT8OID, INT8OID, BOOLOID, BOOLOID,
                                 INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID};
        Datum       values[16] = {
            bounds->from[DSR_DAY_BEFORE], bounds->to[DSR_DAY_BEFORE],
            bounds->from[DSR_WEEK_BEFORE], bounds->to[DSR_WEEK_BEFORE],
            Int64GetDatum(before->dense_low), Int64GetDatum(before->dense_high),
            Int64GetDatum(week->dense_low), Int64GetDatum(week->dense_high),
            BoolGetDatum(before->outlying), BoolGetDatum(week->outlying),
            Int64GetDatum(before->closed), Int64GetDatum(week->closed),
            Int64GetDatum(before->lowest_id), Int64GetDatum(before->highest_id),
            Int64GetDatum(week->lowest_id), Int64GetDatum(week->highest_id),
        };
        char       *sql = psprintf(COMPARISON_SQL, indexed ? COMPARISON_INDEXED_LINES
                                   : access.integer_ids ? COMPARISON_SCANNED_LINES : COMPARISON_KEYED_LINES);

        if (SPI_execute_with_args(dsr_for_shop(sql), 16, types, values, NULL, true, 0) != SPI_OK_SELECT)
            elog(ERROR, "the comparison query failed");
        dsr_read_kpi_rows(context, "orders", NULL, report);
    }
}
