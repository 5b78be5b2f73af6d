/*
 * shop_query.cpp — the day's KPIs from the shop's own tables (orders,
 * order_items, products), read the fast way on any data shape, with or
 * without the recommended indexes.  bench/ measures it against hand-written
 * SQL and plain scripts (README, "Performance").
 *
 * The statements, whatever the shop:
 *  1. the closed orders of the three days (the day, the day before, the
 *     week before): how many, the lowest and the highest id; again per
 *     bucket of ids for the days whose ids are spread (a histogram, from
 *     which each day's dense id range and the few ranges of its late
 *     orders, written with a later day's ids);
 *  2. only with the indexes, and only where a day's dense range is still
 *     coarse (one order far from all others makes the buckets wide): a
 *     finer histogram within it;
 *  3. the day's lines, by hour and by product;
 *  4. the comparison days' lines, in total.
 * Every figure is computed from the rows: the id ranges only choose what is
 * read, never what is counted (the join is on the order's id, the filter on
 * its created_at).
 */
#include "kpi/kpi_source.h"
#include "extension/settings.h"
#include "pg/spi_values.h"

extern "C" {
#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
}

/*
 * Statement 1 cuts the table's id range into TABLE_BUCKETS buckets (a day
 * holds its share of them); statement 2 cuts a coarse dense range into
 * ID_BUCKETS.  Fine enough to leave late orders out of the dense range, few
 * enough to hash (~50k groups for the three days at most).
 */
#define TABLE_BUCKETS 16384
/* A day whose ids span up to this many times its orders is read as one range: at most half again of other lines. */
#define SPREAD 1.5
#define ID_BUCKETS 4096

/*
 * Statement 1: the closed orders of each day (k) per bucket of ids (b):
 * lowest and highest id, count.  The %s are the bucket, lowest and highest
 * (BUCKETED, or one bucket per day: see count_orders), the count, the id.
 * Where ids are not unique, a last column counts the ids with their copies
 * (a day has an id twice if it exceeds the distinct count).
 * The subquery (OFFSET 0) hides the expressions' statistics, so the planner
 * hashes the few buckets instead of expecting a group per order and sorting
 * the three days.  The bucket width comes from the table's lowest and
 * highest id (the two ends of its index).
 */
#define BUCKETED "id / (SELECT greatest(ceil((max(id)::numeric - min(id) + 1) / " CppAsString2(TABLE_BUCKETS) \
    "), 1)::bigint FROM {shop}.orders), min(id), max(id)"
static const char DAYS_SQL[] =
    "SELECT k, %s, %s%s"
    "  FROM (SELECT CASE WHEN created_at >= $1 AND created_at < $2 THEN 0"
    "                    WHEN created_at >= $3 AND created_at < $4 THEN 1 ELSE 7 END AS k, %s AS id"
    "          FROM {shop}.orders"
    "         WHERE NOT is_open"
    "           AND (created_at >= $1 AND created_at < $2 OR created_at >= $3 AND created_at < $4"
    "                OR created_at >= $5 AND created_at < $6) OFFSET 0) AS d"
    " GROUP BY 1, 2";

/*
 * Statement 2: a day's closed orders with ids from $6 to $5, per bucket of
 * $4 ids from $3 (hashed, as statement 1).  The bounds are int8: in float8
 * an id beyond 2^53 next to the range would round into it and be read twice
 * (its bucket was already set aside); the buckets may round, the bounds not.
 */
static const char HISTOGRAM_SQL[] =
    "SELECT b, min(id), max(id), %s"
    "  FROM (SELECT floor((id - $3) / $4)::bigint AS b, id::bigint AS id FROM {shop}.orders"
    "         WHERE NOT is_open AND created_at >= $1 AND created_at < $2 AND id BETWEEN $6 AND $5 OFFSET 0) AS d"
    " GROUP BY 1";

/*
 * A day's lines (k, t = created_at, product_id, x = quantity * price,
 * q = quantity) with the recommended indexes: a merge of two index range
 * scans over the day's dense id range (orders_pkey and order_items
 * (order_id): no hash table, no sort), and the orders outside it (late
 * ones) range by range through orders_pkey, their lines one order at a
 * time: the ranges come from statement 1's buckets, so only the buckets
 * that hold the day's orders are read, never the whole day again by
 * created_at (100k-B-day-idx: that rescan alone was 68 ms for 90 orders).
 * Each range is a subquery (OFFSET 0) that can only be read by id: with the
 * day's bounds inside it, the planner took the day by created_at once per
 * range (2.5 s for 102 ranges).
 */
#define DENSE_LINES(k, from, to, low, high) \
    "SELECT " k " AS k, o.created_at AS t, i.product_id, i.quantity * i.price AS x, i.quantity AS q" \
    "  FROM {orders} o JOIN {shop}.order_items i ON i.order_id = o.id" \
    " WHERE NOT o.is_open AND o.created_at >= " from " AND o.created_at < " to \
    "   AND o.id BETWEEN " low " AND " high " AND i.order_id BETWEEN " low " AND " high
#define OUTLYING_LINES(k, from, to, lows, highs) \
    "SELECT " k ", o.created_at, i.product_id, i.quantity * i.price, i.quantity" \
    "  FROM unnest(" lows "::bigint[], " highs "::bigint[]) AS r(low, high)" \
    " CROSS JOIN LATERAL" \
    "       (SELECT id, created_at, is_open FROM {orders} o WHERE o.id BETWEEN r.low AND r.high OFFSET 0) AS o" \
    " CROSS JOIN LATERAL" \
    "       (SELECT product_id, quantity, price FROM {shop}.order_items i WHERE i.order_id = o.id OFFSET 0) AS i" \
    " WHERE NOT o.is_open AND o.created_at >= " from " AND o.created_at < " to
/*
 * Without an index on order_items(order_id) the table is read whole, the id
 * ranges dropping other days' lines before the join; not at all when the
 * days have no closed order (`any`, statement 1's counts: a constant to the
 * planner, so an empty day reads nothing; 100k-A-31d-noidx: 494 ms before).
 */
#define SCANNED_LINES(k, days, ranges, any) \
    "SELECT " k " AS k, o.created_at AS t, i.product_id, i.quantity * i.price AS x, i.quantity AS q" \
    "  FROM {orders} o JOIN {shop}.order_items i ON i.order_id = o.id" \
    " WHERE " any " AND NOT o.is_open AND (" days ") AND (" ranges ")"

/*
 * The day: $1, $2 its bounds, $6, $7 its dense range, $8 and $10 the
 * lowest and highest ids of the ranges outside it, $11, $12 its lowest and
 * highest id (without the indexes its orders are read within them).
 */
static const char DAY_INDEXED_LINES[] =
    DENSE_LINES("0", "$1", "$2", "$6", "$7")
    " UNION ALL " OUTLYING_LINES("0", "$1", "$2", "$8", "$10");
static const char DAY_SCANNED_LINES[] =
    SCANNED_LINES("0", "o.created_at >= $1 AND o.created_at < $2 AND o.id BETWEEN $11 AND $12",
                  "i.order_id BETWEEN $6 AND $7", "$9 > 0");

/*
 * The comparison days: $1..$4 their bounds, $5..$8 their dense ranges, $9,
 * $10 and $13, $14 the ranges outside them, $15..$18 their lowest and
 * highest ids (without the indexes their orders are read within one range
 * around both: two made the planner sort a BitmapOr's rows).
 */
static const char COMPARISON_INDEXED_LINES[] =
    DENSE_LINES("1", "$1", "$2", "$5", "$6") " UNION ALL " DENSE_LINES("7", "$3", "$4", "$7", "$8")
    " UNION ALL " OUTLYING_LINES("1", "$1", "$2", "$9", "$10")
    " UNION ALL " OUTLYING_LINES("7", "$3", "$4", "$13", "$14");
static const char COMPARISON_SCANNED_LINES[] =
    SCANNED_LINES("CASE WHEN o.created_at >= $1 AND o.created_at < $2 THEN 1 ELSE 7 END",
                  "(o.created_at >= $1 AND o.created_at < $2 OR o.created_at >= $3 AND o.created_at < $4)"
                  " AND o.id BETWEEN least($15, $17) AND greatest($16, $18)",
                  "i.order_id BETWEEN $5 AND $6 OR i.order_id BETWEEN $7 AND $8", "$11 + $12 > 0");

/* Order ids that are not integers (uuid, text...) have no ranges: the planner joins the days' orders. */
static const char DAY_KEYED_LINES[] =
    SCANNED_LINES("0", "o.created_at >= $1 AND o.created_at < $2", "true", "$9 > 0");
static const char COMPARISON_KEYED_LINES[] =
    SCANNED_LINES("CASE WHEN o.created_at >= $1 AND o.created_at < $2 THEN 1 ELSE 7 END",
                  "o.created_at >= $1 AND o.created_at < $2 OR o.created_at >= $3 AND o.created_at < $4", "true",
                  "$11 + $12 > 0");

/*
 * The day's KPI rows (kpi_source.h) from its lines:
 *  - float8 -> numeric (exact cents) is cast once per distinct line amount:
 *    sum((q*p)::numeric) = sum(n * (q*p)::numeric) over the n lines of
 *    equal q*p, per product (the totals are the sum of those); revenue per
 *    hour only draws the chart, so it is summed in float8 — grouping hours
 *    by amount too would hold tens of thousands of groups in memory;
 *  - orders are counted on orders alone (statement 1: $9), not with
 *    count(DISTINCT) over the lines;
 *  - products are grouped by id and named at the end, one name an id
 *    ({products}: where products.id is not unique, the first of its names,
 *    so that a seller is not counted twice);
 *  - a line whose quantity or price is NULL (x NULL) adds nothing: not its
 *    quantity to the items, nor its product to the best sellers (where a
 *    NULL sum sorted first, ahead of every real seller, with 0.00);
 *  - both grouping sets are hashed: the lines are a subquery (OFFSET 0)
 *    whose product_id is an expression (coalesce with itself, any type), so
 *    the planner has no statistics to multiply (2000 products x amounts)
 *    into a group per line; expecting that, it sorted the day's lines by
 *    hour (100k-A-day-noidx: 1.43x the floor, 1.01x hashed).  The groups
 *    are products x amounts, a few thousand; hash aggregation spills past
 *    hash_mem, so memory stays bounded on any shop.
 * The comparison days are a second statement: folding them into these
 * grouping sets costs more than reading their lines again (bench/).
 */
static const char DAY_SQL[] =
    "WITH lines AS (%s),"
    " g AS MATERIALIZED ("
    "    SELECT GROUPING(product_id) AS by_hour, h, product_id, x, count(*) AS n, sum(q) AS q, sum(x) AS amount"
    "      FROM (SELECT %s AS h, coalesce(product_id, product_id) AS product_id, x, q FROM lines"
    "             WHERE x IS NOT NULL OFFSET 0) AS l"
    "     GROUP BY GROUPING SETS ((h), (product_id, x))),"
    " totals AS ("
    "    SELECT sum(n * x::numeric) AS revenue, sum(q) AS items, sum(n) AS lines FROM g WHERE by_hour = 0)"
    " SELECT 0 AS kind, NULL::text AS key, $9::bigint, coalesce(t.revenue, 0), t.items::numeric,"
    "        t.lines::bigint, t.revenue / nullif($9, 0)"
    "   FROM totals t"
    " UNION ALL"
    " (SELECT 1, coalesce(p.name, 'product #' || g.product_id), NULL, sum(n * x::numeric), sum(q)::numeric,"
    "         NULL, NULL"
    "    FROM g LEFT JOIN {products} p ON p.id = g.product_id"
    "   WHERE by_hour = 0"
    "   GROUP BY 2 ORDER BY 4 DESC, 2 LIMIT $5)"
    " UNION ALL"
    " SELECT 2, h::text, NULL, amount::numeric, NULL, NULL, NULL FROM g WHERE by_hour = 1";

/*
 * The comparison days' KPI rows (kind 3): the same sums, orders counted by
 * statement 1 ($11, $12); hashed by day and amount like the day's (OFFSET 0:
 * no statistics, no sort of both days' lines; 100k-A-day-noidx: 415 ms
 * sorted, 365 ms hashed).
 */
static const char COMPARISON_SQL[] =
    "SELECT 3, d.k::text, CASE d.k WHEN 1 THEN $11 ELSE $12 END::bigint, coalesce(sum(n * x::numeric), 0),"
    "       coalesce(sum(q), 0)::numeric, coalesce(sum(n), 0)::bigint, NULL"
    "  FROM (VALUES (1), (7)) AS d(k)"
    "  LEFT JOIN (SELECT k, x, count(*) AS n, sum(q) AS q FROM (%s OFFSET 0) AS l WHERE x IS NOT NULL GROUP BY k, x) AS s"
    "         ON s.k = d.k"
    " GROUP BY d.k";

/* A bucket of a day's order ids that holds some of its closed orders. */
typedef struct IdBucket
{
    int64       bucket;
    int64       lowest_id;
    int64       highest_id;
    int64       count;
} IdBucket;

/* What statement 1 found for one day, and the ranges statements 3 and 4 read. */
typedef struct DayOrders
{
    int64       closed;         /* closed orders: the day's order count */
    bool        repeated_ids;   /* two of its closed orders share an id (no primary key) */
    int64       lowest_id;      /* all of them lie in [lowest_id, highest_id] */
    int64       highest_id;
    IdBucket   *buckets;        /* statement 1's, by bucket */
    int         nbuckets;
    int64       dense_low;      /* the range read by a merge */
    int64       dense_high;
    int64      *outlying_low;   /* the ranges outside it, read order by order */
    int64      *outlying_high;
    int         noutlying;
    int         outlying_room;
} DayOrders;

/* How the shop's tables can be read. */
typedef struct ShopAccess
{
    bool        indexed;        /* order_items(order_id) has an index: days are read by range scans */
    bool        integer_ids;    /* orders.id is an integer: a day's orders have an id range */
    bool        by_ranges;      /* both, and orders(id) has an index: ranges of ids are read through it */
    bool        unique_ids;     /* orders.id is unique and NOT NULL: each order's lines are joined once */
    const char *order_count;    /* count(*), or count(DISTINCT id) where orders.id is not unique */
    bool        unique_products;    /* products.id is unique: a product has one name */
} ShopAccess;

/* What the valid, non-partial btree indexes led by one column of a table offer. */
typedef struct ColumnIndexes
{
    bool        led;            /* one of them has it as its first key column */
    bool        unique;         /* one of them is unique on that column alone, under its collation */
} ColumnIndexes;

static ColumnIndexes
column_indexes(Relation table, const char *column)
{
    ColumnIndexes found = {false, false};
    AttrNumber  attnum = get_attnum(RelationGetRelid(table), column);
    List       *indexes;
    ListCell   *cell;

    if (attnum <= 0)
        return found;
    indexes = RelationGetIndexList(table);
    foreach(cell, indexes)
    {
        HeapTuple   index_tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(cell)));
        HeapTuple   class_tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(cell)));

        if (HeapTupleIsValid(index_tuple) && HeapTupleIsValid(class_tuple))
        {
            Form_pg_index index = (Form_pg_index) GETSTRUCT(index_tuple);

            if (index->indisvalid && heap_attisnull(index_tuple, Anum_pg_index_indpred, NULL) &&
                ((Form_pg_class) GETSTRUCT(class_tuple))->relam == BTREE_AM_OID &&
                index->indnatts > 0 && index->indkey.values[0] == attnum)
            {
                bool        isnull;
                Datum       collations = SysCacheGetAttr(INDEXRELID, index_tuple, Anum_pg_index_indcollation, &isnull);

                found.led = true;
                /* unique under another collation is not unique under the column's (a case-insensitive one) */
                found.unique |= index->indisunique && index->indnkeyatts == 1 && !isnull &&
                    ((oidvector *) DatumGetPointer(collations))->values[0] ==
                    TupleDescAttr(RelationGetDescr(table), attnum - 1)->attcollation;
            }
        }
        if (HeapTupleIsValid(index_tuple))
            ReleaseSysCache(index_tuple);
        if (HeapTupleIsValid(class_tuple))
            ReleaseSysCache(class_tuple);
    }
    list_free(indexes);
    return found;
}

/* An inheritance child (not a partition) is covered by none of its parent's indexes. */
static bool
has_inheritance_children(Relation table)
{
    return table->rd_rel->relkind == RELKIND_RELATION && table->rd_rel->relhassubclass;
}

/* orders.id unique and NOT NULL, by_id being its indexes, and no inheritance child to escape them. */
static bool
order_ids_unique(Relation orders, Relation items, ColumnIndexes by_id)
{
    AttrNumber  id = get_attnum(RelationGetRelid(orders), "id");

    return by_id.unique && id > 0 && TupleDescAttr(RelationGetDescr(orders), id - 1)->attnotnull &&
        !has_inheritance_children(orders) && !has_inheritance_children(items);
}

bool
dsr_shop_order_ids_unique(void)
{
    Relation    orders = table_open(dsr_shop_relids[0], AccessShareLock);
    Relation    items = table_open(dsr_shop_relids[1], AccessShareLock);
    bool        unique = order_ids_unique(orders, items, column_indexes(orders, "id"));

    table_close(items, AccessShareLock);
    table_close(orders, AccessShareLock);
    return unique;
}

/*
 * Are orders(created_at) and order_items(order_id) indexed (a valid btree,
 * not partial, led by that column), and are order ids integers?  A NOTICE
 * names a missing index and the statement that creates it, once per run.
 * And orders(id): id ranges are read through its index (without one, each
 * range would scan the table: 21 s for 25k late orders), and the closed
 * orders are counted distinct unless it is unique and NOT NULL (a primary
 * key).  A table with inheritance children has indexes that do not cover
 * them: neither is trusted there.  Read from the relcache and syscache (the
 * tables are locked), not by SQL on the catalog: that query's parse and
 * plan cost a fresh run worker ~5 ms, on every run.
 */
static ShopAccess
shop_access(bool *notice_given)
{
    Relation    orders = table_open(dsr_shop_relids[0], AccessShareLock);
    Relation    items = table_open(dsr_shop_relids[1], AccessShareLock);
    AttrNumber  id = get_attnum(dsr_shop_relids[0], "id");
    Oid         id_type = id > 0 ? getBaseType(TupleDescAttr(RelationGetDescr(orders), id - 1)->atttypid) : InvalidOid;
    bool        orders_indexed = column_indexes(orders, "created_at").led;
    bool        covered = !has_inheritance_children(orders) && !has_inheritance_children(items);
    ColumnIndexes by_id = column_indexes(orders, "id");
    ShopAccess  access;

    access.indexed = column_indexes(items, "order_id").led;
    access.integer_ids = id_type == INT2OID || id_type == INT4OID || id_type == INT8OID;
    access.by_ranges = covered && access.integer_ids && access.indexed && by_id.led;
    access.unique_ids = order_ids_unique(orders, items, by_id);
    access.order_count = access.unique_ids ? "count(*)" : "count(DISTINCT id)";
    {
        Relation    products = table_open(dsr_shop_relids[2], AccessShareLock);

        access.unique_products = !has_inheritance_children(products) && column_indexes(products, "id").unique;
        table_close(products, AccessShareLock);
    }
    table_close(items, AccessShareLock);
    table_close(orders, AccessShareLock);

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

static int
by_bucket(const void *a, const void *b)
{
    int64       x = ((const IdBucket *) a)->bucket;
    int64       y = ((const IdBucket *) b)->bucket;

    return (x > y) - (x < y);
}

/* SPI's row r as a bucket: (bucket, lowest, highest, count) from `column` on. */
static IdBucket
read_bucket(uint64 r, int column)
{
    HeapTuple   row = SPI_tuptable->vals[r];
    TupleDesc   desc = SPI_tuptable->tupdesc;
    IdBucket    bucket;

    bucket.bucket = dsr_spi_int64(row, desc, column, 0);
    bucket.lowest_id = dsr_spi_int64(row, desc, column + 1, 0);
    bucket.highest_id = dsr_spi_int64(row, desc, column + 2, -1);
    bucket.count = dsr_spi_int64(row, desc, column + 3, 0);
    return bucket;
}

/* The day (DSR_DAY...) of statement 1's row r. */
static int
day_of_row(uint64 r)
{
    int64       k = dsr_spi_int64(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, -1);

    return k == 0 ? DSR_DAY : k == 1 ? DSR_DAY_BEFORE : DSR_WEEK_BEFORE;
}

/*
 * Statement 1, into days[]: the count, id range and buckets (by bucket) of
 * the days in `which` (the others are given an empty time range and left as
 * they are).  Bucketed only on a second pass, for the days whose ids are
 * spread (dsr_query_shop): without buckets a day's ids are one range.
 */
static void
count_orders(const DayBounds *bounds, Oid type, const ShopAccess *access, bool bucketed, const bool *which,
             DayOrders *days)
{
    Oid         types[6] = {type, type, type, type, type, type};
    Datum       values[6];
    char       *sql = psprintf(DAYS_SQL,
                               !access->integer_ids ? "0::bigint, 0::bigint, -1::bigint"
                               : bucketed ? BUCKETED : "0::bigint, min(id), max(id)",
                               access->order_count, bucketed || access->unique_ids ? "" : ", count(id)",
                               access->integer_ids ? "id::bigint" : "id");

    for (int d = 0; d < DSR_READ_DAYS; d++)
    {
        values[2 * d] = bounds->from[d];
        values[2 * d + 1] = which[d] ? bounds->to[d] : bounds->from[d];
        if (which[d])
        {
            bool        repeated = bucketed && days[d].repeated_ids;    /* known from the first pass only */

            memset(&days[d], 0, sizeof(DayOrders));
            days[d].repeated_ids = repeated;
        }
    }
    dsr_read_sales(dsr_for_shop(sql), 6, types, values, 0, NULL);
    for (uint64 r = 0; r < SPI_processed; r++)
        days[day_of_row(r)].nbuckets++;
    for (int d = 0; d < DSR_READ_DAYS; d++)
        if (which[d])
        {
            days[d].buckets = (IdBucket *) palloc(sizeof(IdBucket) * Max(days[d].nbuckets, 1));
            days[d].nbuckets = 0;
        }
    for (uint64 r = 0; r < SPI_processed; r++)
    {
        DayOrders  *day = &days[day_of_row(r)];
        bool        no_id;

        /*
         * The bucket of orders whose id is NULL (ids not unique, no primary
         * key): count(DISTINCT id) did not count them, as the band does not,
         * and no line joins them.
         */
        (void) SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 3, &no_id);
        if (no_id)
            continue;
        day->buckets[day->nbuckets++] = read_bucket(r, 2);
        if (!bucketed && !access->unique_ids &&
            dsr_spi_int64(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 6, 0) >
            dsr_spi_int64(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 5, 0))
            day->repeated_ids = true;
    }
    for (int d = 0; d < DSR_READ_DAYS; d++)
    {
        DayOrders  *day = &days[d];

        if (!which[d])
            continue;
        qsort(day->buckets, day->nbuckets, sizeof(IdBucket), by_bucket);
        day->highest_id = -1;   /* an empty day: the empty range 0..-1 */
        for (int b = 0; b < day->nbuckets; b++)
        {
            const IdBucket *bucket = &day->buckets[b];

            day->closed += bucket->count;
            day->lowest_id = b == 0 ? bucket->lowest_id : Min(day->lowest_id, bucket->lowest_id);
            day->highest_id = b == 0 ? bucket->highest_id : Max(day->highest_id, bucket->highest_id);
        }
        day->dense_low = day->lowest_id;
        day->dense_high = day->highest_id;
    }
}

/* One more range outside the dense one. */
static void
add_outlying(DayOrders *day, int64 low, int64 high)
{
    if (day->noutlying == day->outlying_room)
    {
        day->outlying_room = Max(16, 2 * day->outlying_room);
        day->outlying_low = day->outlying_low
            ? (int64 *) repalloc(day->outlying_low, sizeof(int64) * day->outlying_room)
            : (int64 *) palloc(sizeof(int64) * day->outlying_room);
        day->outlying_high = day->outlying_high
            ? (int64 *) repalloc(day->outlying_high, sizeof(int64) * day->outlying_room)
            : (int64 *) palloc(sizeof(int64) * day->outlying_room);
    }
    day->outlying_low[day->noutlying] = low;
    day->outlying_high[day->noutlying++] = high;
}

/*
 * The dense range among a day's buckets (by bucket, covering its orders in
 * [dense_low, dense_high]): the run of buckets with the largest excess of
 * orders over half the fullest bucket (Kadane's maximum subarray, the empty
 * buckets between two counted too), so the day's bulk is merged and its
 * late orders, scattered in a later day's ids, are fetched one by one
 * instead of merging that day too.  The other buckets become outlying
 * ranges; every order lies in exactly one range, since buckets are disjoint.
 * Returns the orders inside the dense range.
 */
static int64
take_dense_run(DayOrders *day, const IdBucket *buckets, int n)
{
    int64       fullest = 0;
    int64       inside = 0;
    double      half, best = 0, run = 0;
    int         run_start = 0, best_start = 0, best_end = -1;

    for (int b = 0; b < n; b++)
        fullest = Max(fullest, buckets[b].count);
    half = fullest / 2.0;
    for (int b = 0; b < n; b++)
    {
        /* ids may span all of bigint: gaps are counted in double */
        if (b > 0)
            run -= half * ((double) buckets[b].bucket - (double) buckets[b - 1].bucket - 1);
        if (run <= 0)
        {
            run = 0;
            run_start = b;
        }
        run += buckets[b].count - half;
        if (run > best)
        {
            best = run;
            best_start = run_start;
            best_end = b;
        }
    }
    if (best_end < 0)
        return 0;
    for (int b = 0; b < n; b++)
    {
        if (b >= best_start && b <= best_end)
            inside += buckets[b].count;
        else
            add_outlying(day, buckets[b].lowest_id, buckets[b].highest_id);
    }
    day->dense_low = buckets[best_start].lowest_id;
    day->dense_high = buckets[best_end].highest_id;
    return inside;
}

/* Do ids from low to high span more than `factor` times `orders`?  (In double: they may span all of bigint.) */
static bool
spans_more_than(int64 low, int64 high, double factor, int64 orders)
{
    return (double) high - (double) low + 1 > factor * orders;
}

/*
 * Statement 1's buckets, then statement 2 where the dense range still spans
 * more than twice the orders in it (one order far away made statement 1's
 * buckets coarse): a few passes, each within the last dense range.
 */
static void
find_dense_range(const DayBounds *bounds, int d, Oid type, const ShopAccess *access, DayOrders *day)
{
    int64       inside = take_dense_run(day, day->buckets, day->nbuckets);

    /* ids may span all of bigint: the arithmetic on them is in double */
    for (int pass = 0; pass < 3 && inside > 0 && spans_more_than(day->dense_low, day->dense_high, 2.0, inside);
         pass++)
    {
        double      low = (double) day->dense_low;
        double      width = ceil(((double) day->dense_high - low + 1) / ID_BUCKETS);
        Oid         types[6] = {type, type, FLOAT8OID, FLOAT8OID, INT8OID, INT8OID};
        Datum       values[6] = {bounds->from[d], bounds->to[d], Float8GetDatum(low), Float8GetDatum(width),
                                 Int64GetDatum(day->dense_high), Int64GetDatum(day->dense_low)};

        dsr_read_sales(dsr_for_shop(psprintf(HISTOGRAM_SQL, access->order_count)), 6, types, values, 0, NULL);
        if (SPI_processed == 0)
            break;
        {
            IdBucket   *buckets = (IdBucket *) palloc(sizeof(IdBucket) * SPI_processed);

            for (uint64 r = 0; r < SPI_processed; r++)
                buckets[r] = read_bucket(r, 1);
            qsort(buckets, SPI_processed, sizeof(IdBucket), by_bucket);
            inside = take_dense_run(day, buckets, (int) SPI_processed);
        }
    }
}

/* An int8[] of n values. */
static Datum
int8_array(const int64 *values, int n)
{
    Datum      *elements = (Datum *) palloc(sizeof(Datum) * Max(n, 1));

    for (int i = 0; i < n; i++)
        elements[i] = Int64GetDatum(values[i]);
    return PointerGetDatum(construct_array(elements, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * The lines statement of a day or of the comparison days, from `fragment`
 * with {orders} the orders it joins.  Where a day has an id twice (no
 * primary key: statement 1's last column), a line would join every closed
 * order of the day that carries its order_id: the orders are then read as
 * one row per id a day (`per_day`: the day's bounds, or the comparison's
 * two, grouped by day), at the earliest of those orders' times, so that a
 * line counts once a day, as its order does (count(DISTINCT id)).  Slower
 * (1M-B-day with the indexes, every id repeated: 11-12 s against 6 s), so
 * only where an id does repeat; else the fragment is the statement.
 */
static char *
lines_sql(const char *fragment, bool repeated_ids, const char *per_day)
{
    return dsr_replace_all(fragment, "{orders}",
                       !repeated_ids ? "{shop}.orders"
                       : psprintf("(SELECT id, min(created_at) AS created_at, false AS is_open FROM {shop}.orders"
                                  " WHERE NOT is_open AND %s)", per_day));
}

void
dsr_query_shop(const Source *source, const DayBounds *bounds, bool *notice_given,
               MemoryContext context, DsrReport *report)
{
    Oid         t = source->ordered_at_type;
    ShopAccess  access = shop_access(notice_given);
    bool        indexed = access.by_ranges;
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
     * ship every line to the leader (a Gather of the day): there are none
     * anyway (see below).
     * Without order_items(order_id) but with integer ids, order_items is
     * read whole but only the days' id ranges are kept: sorting those and
     * merging them with orders_pkey beats a hash join, with or without
     * parallel workers (day-only table, report/floor: 100k-A 1.01x against
     * 1.36x with the defaults, 100k-B 1.01x against 1.23x, 1M-A 1.02x; the
     * floor's own defaults variant was 1.2-1.4x slower in each).  Ids that
     * are not integers have no ranges: the planner's defaults (hash joins)
     * are what joining whole tables needs.  Parallel workers are off for
     * every shop statement (shop_guard.cpp: a worker would run the tables'
     * policies without the guard).
     */
    if (SPI_execute(!indexed && access.integer_ids ? "SELECT set_config('jit', 'off', true),"
                                                     "       set_config('enable_hashjoin', 'off', true),"
                                                     "       set_config('enable_nestloop', 'off', true)"
                    : "SELECT set_config('jit', 'off', true)",
                    false, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not set the KPI query's plan settings");

    {
        bool        all[DSR_READ_DAYS] = {true, true, true};

        count_orders(bounds, t, &access, false, all, days);
    }
    /*
     * Orders read one row per id (lines_sql): the planner cannot tell how
     * many ids there are, and expected a few, probing order_items once per
     * id (1M-B-day, every id repeated: 21 s; merged: 11 s).
     */
    if (indexed && (day->repeated_ids || before->repeated_ids || week->repeated_ids) &&
        SPI_execute("SELECT set_config('enable_nestloop', 'off', true)", false, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not set the KPI query's plan settings");
    if (indexed)
    {
        /*
         * A day whose ids span more than SPREAD times its orders holds
         * another day's (late orders): bucketed on a second pass, for those
         * days only (hashing every order into buckets cost ~30 ms in each
         * 100k cell whose ids follow time, where no day is spread).
         */
        bool        spread[DSR_READ_DAYS];
        bool        any = false;

        for (int d = 0; d < DSR_READ_DAYS; d++)
        {
            spread[d] = days[d].closed > 0 &&
                spans_more_than(days[d].lowest_id, days[d].highest_id, SPREAD, days[d].closed);
            any |= spread[d];
        }
        if (any)
            count_orders(bounds, t, &access, true, spread, days);
        for (int d = 0; d < DSR_READ_DAYS; d++)
            find_dense_range(bounds, d, t, &access, &days[d]);
    }

    {
        Oid         types[12] = {t, t, TEXTOID, TEXTOID, INT4OID, INT8OID, INT8OID, INT8ARRAYOID, INT8OID,
                                 INT8ARRAYOID, INT8OID, INT8OID};
        Datum       values[12] = {
            bounds->from[DSR_DAY], bounds->to[DSR_DAY],
            CStringGetTextDatum(dsr_source_timezone),
            CStringGetTextDatum(dsr_calendar_timezone()),
            Int32GetDatum(dsr_top_n),
            Int64GetDatum(day->dense_low), Int64GetDatum(day->dense_high),
            int8_array(day->outlying_low, day->noutlying), Int64GetDatum(day->closed),
            int8_array(day->outlying_high, day->noutlying),
            Int64GetDatum(day->lowest_id), Int64GetDatum(day->highest_id),
        };
        char       *sql = psprintf(DAY_SQL,
                                   lines_sql(indexed ? DAY_INDEXED_LINES
                                             : access.integer_ids ? DAY_SCANNED_LINES : DAY_KEYED_LINES,
                                             day->repeated_ids,
                                             "created_at >= $1 AND created_at < $2 GROUP BY id"),
                                   dsr_local_hour(source, "t", "$3", "$4"));

        /* one name an id: the table, or (no unique id, 1M products: +150 ms) the first name of each id */
        sql = dsr_replace_all(sql, "{products}", access.unique_products ? "{shop}.products"
                          : "(SELECT id, min(name) AS name FROM {shop}.products GROUP BY id)");

        dsr_read_sales(dsr_for_shop(sql), 12, types, values, 0, NULL);
        dsr_read_kpi_rows(context, "orders", report->report_date, report);
    }
    {
        Oid         types[18] = {t, t, t, t, INT8OID, INT8OID, INT8OID, INT8OID, INT8ARRAYOID, INT8ARRAYOID,
                                 INT8OID, INT8OID, INT8ARRAYOID, INT8ARRAYOID, INT8OID, INT8OID, INT8OID, INT8OID};
        Datum       values[18] = {
            bounds->from[DSR_DAY_BEFORE], bounds->to[DSR_DAY_BEFORE],
            bounds->from[DSR_WEEK_BEFORE], bounds->to[DSR_WEEK_BEFORE],
            Int64GetDatum(before->dense_low), Int64GetDatum(before->dense_high),
            Int64GetDatum(week->dense_low), Int64GetDatum(week->dense_high),
            int8_array(before->outlying_low, before->noutlying), int8_array(before->outlying_high, before->noutlying),
            Int64GetDatum(before->closed), Int64GetDatum(week->closed),
            int8_array(week->outlying_low, week->noutlying), int8_array(week->outlying_high, week->noutlying),
            Int64GetDatum(before->lowest_id), Int64GetDatum(before->highest_id),
            Int64GetDatum(week->lowest_id), Int64GetDatum(week->highest_id),
        };
        char       *sql = psprintf(COMPARISON_SQL,
                                   lines_sql(indexed ? COMPARISON_INDEXED_LINES
                                             : access.integer_ids ? COMPARISON_SCANNED_LINES : COMPARISON_KEYED_LINES,
                                             before->repeated_ids || week->repeated_ids,
                                             /* the day before is the later: created_at >= $1 tells them apart */
                                             "(created_at >= $1 AND created_at < $2 OR created_at >= $3 AND created_at < $4)"
                                             " GROUP BY id, created_at >= $1"));

        dsr_read_sales(dsr_for_shop(sql), 18, types, values, 0, NULL);
        dsr_read_kpi_rows(context, "orders", NULL, report);
    }
}
