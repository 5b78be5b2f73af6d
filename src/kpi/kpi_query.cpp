/*
 * kpi_query.cpp — the day's KPIs, computed by aggregates in the database.
 *
 * The source is a relation with the columns
 *     order_id, ordered_at, product, quantity, line_total
 * either the shop's own tables (default) or the view named by
 * daily_sales_report.source.  A day is [local midnight, next local midnight)
 * in the report calendar, so DST days have 23 or 25 hours; the filter is a
 * range on ordered_at (never date(ordered_at) = ...), so an index on the
 * timestamp column serves it.
 */
#include "kpi/kpi_query.h"
#include "kpi/kpi_source.h"
extern "C" {
#include "access/transam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "nodes/makefuncs.h"
#include "utils/lsyscache.h"
}
#include "run/report_date.h"
#include "extension/settings.h"
#include "pg/spi_values.h"
#include "pg/transactions.h"

/* The shop's schema: a sale is a closed order; revenue is quantity * price of its items. */
static const char *const FAKESHOP_SOURCE =
    "(SELECT o.id AS order_id, o.created_at AS ordered_at,"
    "        coalesce(p.name, 'product #' || i.product_id) AS product,"
    "        i.quantity, (i.quantity * i.price)::numeric AS line_total"
    "   FROM {shop}.orders o"
    "   JOIN {shop}.order_items i ON i.order_id = o.id"
    "   LEFT JOIN {shop}.products p ON p.id = i.product_id"
    "  WHERE NOT o.is_open)";

#define SOURCE_COLUMNS "order_id, ordered_at, product, quantity, line_total"

bool
dsr_reads_shop_tables(void)
{
    return dsr_source == NULL || dsr_source[0] == '\0';
}

/*
 * The shop's tables are named with their schema (daily_sales_report.shop_schema)
 * and the query runs with search_path pinned: nothing in the caller's
 * search_path, or in a schema the database owner controls, takes part.
 * `sql` names them as {shop}.orders, {shop}.order_items, {shop}.products.
 */
char *
dsr_replace_all(const char *text, const char *token, const char *with)
{
    StringInfoData out;
    const char *at;

    initStringInfo(&out);
    while ((at = strstr(text, token)) != NULL)
    {
        appendBinaryStringInfo(&out, text, (int) (at - text));
        appendStringInfoString(&out, with);
        text = at + strlen(token);
    }
    appendStringInfoString(&out, text);
    return out.data;
}

char *
dsr_for_shop(const char *sql)
{
    return dsr_replace_all(sql, "{shop}", quote_identifier(dsr_shop_schema_name()));
}

/*
 * A data error (SQLSTATE class 22) raised while the statement runs comes
 * from a value of a row: alone, "value out of range: overflow" under the
 * whole statement says neither where nor what to do.
 */
void
dsr_read_sales(const char *sql, int nargs, Oid *types, Datum *values, long count, const char *source)
{
    MemoryContext context = CurrentMemoryContext;
    volatile int rc = 0;

    PG_TRY();
    {
        rc = SPI_execute_with_args(sql, nargs, types, values, NULL, true, count);
    }
    PG_CATCH();
    {
        ErrorData  *error;
        const char *schema;

        MemoryContextSwitchTo(context);     /* out of ErrorContext, which FlushErrorState empties */
        error = CopyErrorData();
        if (ERRCODE_TO_CATEGORY(error->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
            PG_RE_THROW();
        FlushErrorState();
        schema = quote_identifier(dsr_shop_schema_name());
        ereport(ERROR,
                (errcode(error->sqlerrcode),
                 source != NULL
                 ? errmsg("a value of the sales source %s cannot be computed: %s", source, error->message)
                 : errmsg("a value of the shop's tables %s.orders and %s.order_items cannot be computed: %s",
                          schema, schema, error->message),
                 error->detail != NULL ? errdetail("%s", error->detail) : 0,
                 source != NULL
                 ? errhint("Fix the rows of the days reported, or the expression of the view that daily_sales_report.source names.")
                 : errhint("Fix the lines of the days read (the day, the day before, the weeks before): "
                           "order_items.quantity * price must stay within double precision; "
                           "or report from a view that leaves them out (daily_sales_report.source).")));
    }
    PG_END_TRY();
    if (rc != SPI_OK_SELECT)
        elog(ERROR, "reading the sales failed: %s", SPI_result_code_string(rc));
}

/*
 * Reading a table runs nobody's code; reading a view runs the functions in
 * it as the caller (a superuser, under pg_cron), and so does a column of a
 * type someone defined, through its casts (an implicit cast to double
 * precision is called by quantity * price).  The shop's schema may belong
 * to someone else (public belongs to the database owner), who could swap a
 * table for a view or a column for another type: the default source reads
 * tables whose columns are built-in base types, or domains over them, only
 * (casts between those only a superuser can create; a cast declared on a
 * domain is ignored).
 */
static void check_join_columns_compare_alike(void);

static void
check_shop_tables_are_tables(void)
{
    /* the columns read, in the order of "table.column" (the first wrong one is named) */
    static const struct
    {
        int         table;
        const char *column;
    }           columns[] = {
        {1, "order_id"}, {1, "price"}, {1, "product_id"}, {1, "quantity"},
        {0, "created_at"}, {0, "id"}, {0, "is_open"}, {2, "id"}, {2, "name"},
    };
    static const char *const tables[3] = {"orders", "order_items", "products"};

    /*
     * Locked first, then checked in the catalog as it is now (the syscache,
     * which is what parsing sees; an SQL query on pg_class would see the
     * transaction's snapshot, older than a swap committed meanwhile).
     */
    for (int i = 0; i < 3; i++)
        dsr_shop_relids[i] = RangeVarGetRelid(makeRangeVar(pstrdup(dsr_shop_schema_name()), pstrdup(tables[i]), -1),
                                              AccessShareLock, true);
    for (size_t c = 0; c < lengthof(columns); c++)
    {
        Oid         relid = dsr_shop_relids[columns[c].table];
        char        relkind;
        AttrNumber  attnum;
        Oid         type;
        Oid         base;

        if (!OidIsValid(relid))
            continue;           /* missing: the shape check says which */
        relkind = get_rel_relkind(relid);
        attnum = get_attnum(relid, columns[c].column);
        if (attnum == InvalidAttrNumber && dsr_is_table(relkind))
            continue;
        type = attnum == InvalidAttrNumber ? InvalidOid : get_atttype(relid, attnum);
        if (!dsr_is_table(relkind))
            ereport(ERROR,
                    (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                     errmsg("%s.%s is %s, not a table", dsr_shop_schema_name(), tables[columns[c].table],
                            dsr_relation_kind(relkind)),
                     errdetail("%s", DSR_NOT_TABLES_DETAIL),
                     errhint("%s", DSR_NOT_TABLES_HINT)));
        /* a domain is read as its base type: its checks run only when a value is cast to it, which no statement does */
        base = OidIsValid(type) ? getBaseType(type) : InvalidOid;
        if (base >= FirstNormalObjectId || get_typtype(base) != TYPTYPE_BASE)
            ereport(ERROR,
                    (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                     errmsg("%s.%s.%s is of type %s, not a built-in base type", dsr_shop_schema_name(),
                            tables[columns[c].table], columns[c].column, format_type_be_qualified(type)),
                     errdetail("%s", DSR_NOT_TABLES_DETAIL),
                     errhint("%s", DSR_NOT_TABLES_HINT)));
        /* money -> numeric scales by lc_monetary's decimals, which the caller may SET: 100x the revenue */
        if (base == MONEYOID)
            ereport(ERROR,
                    (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                     errmsg("%s.%s.%s is of type money, which the report does not read", dsr_shop_schema_name(),
                            tables[columns[c].table], columns[c].column),
                     errdetail("A money amount is read in the decimals of lc_monetary, which any session may set."),
                     errhint("ALTER TABLE %s.%s ALTER COLUMN %s TYPE numeric(12,2) USING %s::numeric;",
                             quote_identifier(dsr_shop_schema_name()), tables[columns[c].table], columns[c].column,
                             columns[c].column)));
    }
    /* a foreign partition (or child) is read with the table: its server's code would run as the caller */
    for (int i = 0; i < 3; i++)
        if (OidIsValid(dsr_shop_relids[i]))
            dsr_check_shop_children(dsr_shop_relids[i]);
    check_join_columns_compare_alike();
}

/* The type and collation of a column, or false if the table or the column is missing. */
static bool
column_type(Oid relid, const char *column, Oid *type, Oid *collation)
{
    AttrNumber  attnum = OidIsValid(relid) ? get_attnum(relid, column) : InvalidAttrNumber;
    int32       typmod;

    if (attnum <= 0)
        return false;
    get_atttypetypmodcoll(relid, attnum, type, &typmod, collation);
    *type = getBaseType(*type);     /* a domain compares as its base type */
    return true;
}

/* Types that compare exactly with each other: the integers and numeric; text and varchar. */
static int
comparison_family(Oid type)
{
    if (type == INT2OID || type == INT4OID || type == INT8OID || type == NUMERICOID)
        return 1;
    if (type == TEXTOID || type == VARCHAROID)
        return 2;
    return 0;
}

/*
 * Does `column = key` compare as the key's own collation does (under which
 * it is unique)?  The join takes the column's collation if both are the
 * same, the other one if one is the database default, none (an ERROR) if
 * they are two others; and it compares alike if that is the key's, or if
 * both are deterministic (equal strings are equal bytes).
 */
static bool
same_equality(Oid collation, Oid key_collation)
{
    Oid         joined = collation == key_collation ? key_collation
        : collation == DEFAULT_COLLATION_OID ? key_collation
        : key_collation == DEFAULT_COLLATION_OID ? collation : InvalidOid;

    return collation == key_collation ||
        (OidIsValid(joined) &&
         (joined == key_collation ||
          (get_collation_isdeterministic(joined) && get_collation_isdeterministic(key_collation))));
}

/*
 * A line joins the orders whose id equals its order_id.  Compared under
 * another type or collation than orders.id's (float8 against bigint, a
 * case-insensitive order_id against a case-sensitive id), two orders that
 * are distinct as orders could both equal one order_id, and the line count
 * twice.  The integer types and numeric compare exactly across, and so do
 * text and varchar under deterministic collations.
 */
static void
check_compare_alike(int table, const char *column, int key_table, const char *what)
{
    static const char *const tables[3] = {"orders", "order_items", "products"};
    Oid         key_type, key_collation, type, collation;

    if (!column_type(dsr_shop_relids[key_table], "id", &key_type, &key_collation) ||
        !column_type(dsr_shop_relids[table], column, &type, &collation))
        return;                 /* missing: the shape check says which */
    if ((type == key_type ||
         (comparison_family(type) != 0 && comparison_family(type) == comparison_family(key_type))) &&
        same_equality(collation, key_collation))
        return;
    ereport(ERROR,
            (errcode(ERRCODE_DATATYPE_MISMATCH),
             errmsg("%s.%s.%s (%s%s%s) does not compare like %s.%s.id (%s%s%s)",
                    dsr_shop_schema_name(), tables[table], column, format_type_be(type),
                    OidIsValid(collation) ? " COLLATE " : "", OidIsValid(collation) ? get_collation_name(collation) : "",
                    dsr_shop_schema_name(), tables[key_table], format_type_be(key_type),
                    OidIsValid(key_collation) ? " COLLATE " : "",
                    OidIsValid(key_collation) ? get_collation_name(key_collation) : ""),
             errdetail("A line belongs to the %s whose id equals its %s; under another type or collation one value could equal two ids and the line be counted twice.",
                       what, column),
             errhint("Give %s.%s the type and collation of %s.id (ALTER TABLE ... ALTER COLUMN ... TYPE ... COLLATE ...), or point daily_sales_report.source at a view.",
                     tables[table], column, tables[key_table])));
}

static void
check_join_columns_compare_alike(void)
{
    check_compare_alike(1, "order_id", 0, "order");
    check_compare_alike(1, "product_id", 2, "product");
}

static Source
resolve_source(void)
{
    Source      source;
    const char *volatile name = dsr_source;
    MemoryContext caller = CurrentMemoryContext;

    if (name == NULL || name[0] == '\0')
    {
        source.from_item = dsr_for_shop(FAKESHOP_SOURCE);
        name = "orders, order_items and products";
        dsr_shop_guard_start();     /* first: nothing of the tables' owner runs while they are checked */
        check_shop_tables_are_tables();
    }
    else
    {
        /* resolve and quote the name: it is an identifier, never SQL text; unqualified, in the shop's schema */
        RangeVar   *relation = makeRangeVarFromNameList(stringToQualifiedNameList(name));
        Oid         relid;

        if (relation->schemaname == NULL)
            relation->schemaname = pstrdup(dsr_shop_schema_name());
        relid = RangeVarGetRelid(relation, NoLock, true);

        if (!OidIsValid(relid))
            ereport(ERROR,
                    (errcode(ERRCODE_UNDEFINED_TABLE),
                     errmsg("sales source \"%s\" does not exist", name),
                     errdetail("daily_sales_report.source must name a table or view with the columns " SOURCE_COLUMNS "."),
                     errhint("Create that view, or reset daily_sales_report.source to use the shop's orders tables.")));
        source.from_item = psprintf("%s", DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid))));
    }

    /* check the shape once, with an error that says what is expected */
    PG_TRY();
    {
        int rc = SPI_execute(psprintf("SELECT " SOURCE_COLUMNS " FROM %s s LIMIT 0", source.from_item), true, 0);

        if (rc != SPI_OK_SELECT)
            elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
        /* a domain over timestamp is read as timestamp: the day's bounds are of the base type */
        source.ordered_at_type = getBaseType(SPI_gettypeid(SPI_tuptable->tupdesc, 2));
    }
    PG_CATCH();
    {
        MemoryContext error_context;
        ErrorData  *error;

        /* only a missing relation, column or right is about the source; a cancel or a lock timeout is not */
        if (ERRCODE_TO_CATEGORY(geterrcode()) != ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION)
            PG_RE_THROW();
        error_context = MemoryContextSwitchTo(caller);
        error = CopyErrorData();

        FlushErrorState();
        ereport(ERROR,
                (errcode(error->sqlerrcode),
                 errmsg("cannot read the sales source %s: %s", name, error->message),
                 dsr_reads_shop_tables()
                 ? errdetail("The report reads orders (id, created_at, is_open), order_items (order_id, product_id,"
                             " quantity, price) and products (id, name).")
                 : errdetail("The source must provide the columns " SOURCE_COLUMNS "."),
                 dsr_reads_shop_tables()
                 ? errhint("Grant the caller SELECT on those columns, create what is missing, or point"
                           " daily_sales_report.source at a view of the sales.")
                 : errhint("Create the shop's tables, or point daily_sales_report.source at a view with those columns.")));
        (void) error_context;
    }
    PG_END_TRY();

    if (source.ordered_at_type != TIMESTAMPOID && source.ordered_at_type != TIMESTAMPTZOID)
        ereport(ERROR,
                (errcode(ERRCODE_DATATYPE_MISMATCH),
                 errmsg("column ordered_at of the sales source %s is of type %s", name,
                        format_type_be(source.ordered_at_type)),
                 errdetail("It must be timestamp or timestamp with time zone."),
                 errhint("Cast it in the view daily_sales_report.source points at.")));
    return source;
}

/*
 * The bounds of the day `offset` days before `date`, as values of
 * ordered_at's own type, so the comparisons are plain index range scans;
 * `hours` (may be NULL) its length.
 */
void
dsr_day_range(const Source *source, DateADT date, int offset, Datum *from, Datum *to, int *hours)
{
    const char *to_source_type = source->ordered_at_type == TIMESTAMPOID ? " AT TIME ZONE $3" : "";
    char       *sql = psprintf(
        "SELECT (($1 - $4)::timestamp AT TIME ZONE $2)%s,"
        "       (($1 - $4 + 1)::timestamp AT TIME ZONE $2)%s,"
        "       extract(epoch FROM (($1 - $4 + 1)::timestamp AT TIME ZONE $2)"
        "                        - (($1 - $4)::timestamp AT TIME ZONE $2))::int / 3600",
        to_source_type, to_source_type);
    Oid         types[4] = {DATEOID, TEXTOID, TEXTOID, INT4OID};
    Datum       values[4] = {
        DateADTGetDatum(date),
        CStringGetTextDatum(dsr_calendar_timezone()),
        CStringGetTextDatum(dsr_source_timezone),
        Int32GetDatum(offset),
    };
    HeapTuple   row;
    TupleDesc   desc;

    if (SPI_execute_with_args(sql, 4, types, values, NULL, true, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not compute the day's bounds");
    row = SPI_tuptable->vals[0];
    desc = SPI_tuptable->tupdesc;
    *from = dsr_spi_required(row, desc, 1, "the start of a report day");
    *to = dsr_spi_required(row, desc, 2, "the end of a report day");
    if (hours != NULL)
        *hours = (int) dsr_spi_int64(row, desc, 3, 24);
}

static DayBounds
day_bounds(DateADT date, const Source *source)
{
    static const int offsets[DSR_READ_DAYS] = {0, 1, 7};
    DayBounds   bounds;

    for (int i = 0; i < DSR_READ_DAYS; i++)
        dsr_day_range(source, date, offsets[i], &bounds.from[i], &bounds.to[i], i == 0 ? &bounds.hours : NULL);
    return bounds;
}

/* Local hour of a timestamp column: date_part() is float8 (extract() is numeric, slower). */
const char *
dsr_local_hour(const Source *source, const char *column, const char *source_zone, const char *calendar_zone)
{
    return source->ordered_at_type == TIMESTAMPOID
        ? psprintf("date_part('hour', (%s AT TIME ZONE %s) AT TIME ZONE %s)::int", column, source_zone, calendar_zone)
        : psprintf("date_part('hour', %s AT TIME ZONE %s)::int", column, calendar_zone);
}

/*
 * Any source (a view): one scan of the day with grouping sets, one of the
 * two comparison days.
 */
static void
query_view(const Source *source, const DayBounds *bounds, MemoryContext context, DsrReport *report)
{
    char       *day_sql = psprintf(
        "WITH g AS ("
        "  SELECT GROUPING(product) AS by_total, GROUPING(hour) AS by_product,"
        "         product, hour, count(DISTINCT order_id) AS orders,"
        "         sum(line_total) AS revenue, coalesce(sum(quantity), 0) AS items,"
        "         count(*) AS rows_read, " BAD_LINES
        "    FROM (" VIEW_LINES(" %s AS hour,", "ordered_at >= $1 AND ordered_at < $2") ") d"
        "   GROUP BY GROUPING SETS ((), (product), (hour)))"
        " SELECT 0 AS kind, NULL, orders, revenue, items, rows_read, revenue / nullif(orders, 0),"
        "        bad_order_id, bad_quantity, bad_line_total"
        "   FROM g WHERE by_total = 1 AND by_product = 1"
        " UNION ALL (SELECT 1, product, orders, revenue, items, rows_read, NULL, NULL, NULL, NULL FROM g"
        "             WHERE by_total = 0 ORDER BY revenue DESC NULLS LAST, product LIMIT $5)"
        " UNION ALL SELECT 2, hour::text, orders, revenue, items, rows_read, NULL, NULL, NULL, NULL"
        "   FROM g WHERE by_product = 0",
        dsr_local_hour(source, "ordered_at", "$3", "$4"), source->from_item);
    char       *comparison_sql = psprintf(
        "SELECT count(DISTINCT order_id) FILTER (WHERE ordered_at >= $1 AND ordered_at < $2),"
        "       sum(line_total) FILTER (WHERE ordered_at >= $1 AND ordered_at < $2),"
        "       count(DISTINCT order_id) FILTER (WHERE ordered_at >= $3 AND ordered_at < $4),"
        "       sum(line_total) FILTER (WHERE ordered_at >= $3 AND ordered_at < $4),"
        "       sum(quantity) FILTER (WHERE ordered_at >= $1 AND ordered_at < $2),"
        "       sum(quantity) FILTER (WHERE ordered_at >= $3 AND ordered_at < $4),"
        "       count(*), " BAD_LINES
        "  FROM (" VIEW_LINES(" ordered_at,", "(ordered_at >= $1 AND ordered_at < $2) OR (ordered_at >= $3 AND ordered_at < $4)") ") d",
        source->from_item);
    Oid         t = source->ordered_at_type;
    Oid         day_types[5] = {t, t, TEXTOID, TEXTOID, INT4OID};
    Datum       day_values[5] = {
        bounds->from[0], bounds->to[0],
        CStringGetTextDatum(dsr_source_timezone),
        CStringGetTextDatum(dsr_calendar_timezone()),
        Int32GetDatum(dsr_top_n),
    };
    Oid         comparison_types[4] = {t, t, t, t};
    Datum       comparison_values[4] = {bounds->from[1], bounds->to[1], bounds->from[2], bounds->to[2]};

    dsr_read_sales(day_sql, 5, day_types, day_values, 0, source->from_item);
    dsr_read_kpi_rows(context, source->from_item, report->report_date, report);
    dsr_read_sales(comparison_sql, 4, comparison_types, comparison_values, 1, source->from_item);
    dsr_read_comparison_row(context, source->from_item,
                        psprintf("the day before or the week before %s", report->report_date), report);
}

void
dsr_query_kpis(DateADT report_date, bool *notice_given, MemoryContext context, DsrReport *report)
{
    Source      source;
    DayBounds   bounds;

    dsr_pin_search_path_in_transaction();
    PG_TRY();
    {
        source = resolve_source();
        /*
         * The sales as of now, not as of the transaction's start: the run
         * may have waited for its locks on them, behind a writer whose orders
         * it must see (READ COMMITTED; popped at the end, or by the abort).
         */
        PushActiveSnapshot(GetTransactionSnapshot());
        bounds = day_bounds(report_date, &source);

        report->report_date = MemoryContextStrdup(context, dsr_date_iso(report_date));
        report->timezone = MemoryContextStrdup(context, dsr_calendar_timezone());
        report->day_hours = bounds.hours;
        report->rows_read = 0;
        report->top_count = 0;
        if (dsr_reads_shop_tables())
            dsr_query_shop(&source, &bounds, notice_given, context, report);
        else
            query_view(&source, &bounds, context, report);
        dsr_expected_revenue(&source, report_date, report);
        PopActiveSnapshot();
    }
    PG_FINALLY();
    {
        dsr_shop_guard(false);
    }
    PG_END_TRY();
}
