/*
 * kept_figures.cpp — may the figures this reader reads be kept in
 * daily_sales_report.day_totals (expected_revenue.cpp stores and reads them
 * back)?  A policy of its own: which reads are filtered per role, decided by
 * looking at the source, apart from the band computed from the figures.
 *
 * Figures are kept per reader, the role whose rights read them: a role that
 * sees only part of the sales (row-level security, a view filtering on
 * current_user) neither writes the band of another role's runs nor reads
 * figures made of sales it cannot see.  Where row-level security filters
 * what the reader reads (the shop's tables, or a table under the view, as
 * the view's owner or, for a security_invoker view, as the reader), its
 * policies may also depend on settings (a tenant) the role name does not
 * show: nothing is stored or read back then, every run reads its weeks from
 * the sales.  A view calling anything but a built-in IMMUTABLE function is
 * taken as filtered too: a function's tables do not show in the view's
 * query, and a STABLE one may read session state (a setting, role
 * membership, the clock) that the role name does not show; so is one
 * reading anything but the tables of the database's users (a catalog, a
 * sequence, a foreign table).
 */
#include "kpi/kept_figures.h"
extern "C" {
#include "access/transam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "nodes/nodeFuncs.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rls.h"
}

/*
 * Built-ins that are IMMUTABLE yet follow a setting: the text of a float or
 * of a geometric type (extra_float_digits), of a bytea (bytea_output), and
 * quote_ident() (quote_all_identifiers).
 */
static const Oid follows_a_setting[] = {
    F_FLOAT4OUT, F_FLOAT8OUT, F_POINT_OUT, F_LSEG_OUT, F_LINE_OUT, F_BOX_OUT, F_PATH_OUT, F_POLY_OUT,
    F_CIRCLE_OUT, F_BYTEAOUT, F_QUOTE_IDENT,
};

/*
 * An allowlist, not a list of what is known to read session state: only a
 * built-in IMMUTABLE function gives the same rows whoever calls it, in any
 * session, on any day.  Refused, among others: a function not built in
 * (what it reads is not in the query tree), current_setting() and
 * pg_settings (a tenant setting), pg_has_role() and has_*_privilege() (role
 * membership changes), inet_client_addr(), now() (a view of recent days),
 * and STABLE casts whose result follows TimeZone or DateStyle, which the
 * key of the kept figures does not hold; and follows_a_setting.
 */
static bool
reads_session_state(Oid function, void *context)
{
    (void) context;
    for (size_t i = 0; i < lengthof(follows_a_setting); i++)
        if (function == follows_a_setting[i])
            return true;
    return function >= FirstNormalObjectId || func_volatile(function) != PROVOLATILE_IMMUTABLE;
}

/*
 * Whether reading `relid` reads rows held elsewhere or moved by any
 * session: a foreign table (its server decides, on its own clock), also as
 * a partition or an inheritance child of it; a sequence (every session's
 * nextval); a system catalog (role membership, other sessions' temporary
 * tables).  Tables and materialized views of the database's users only.
 */
static bool
reads_outside_tables(Oid relid)
{
    char        relkind = get_rel_relkind(relid);
    ListCell   *child;

    if (relid < FirstNormalObjectId ||
        (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE && relkind != RELKIND_MATVIEW))
        return true;
    if (!has_subclass(relid))
        return false;
    foreach(child, find_all_inheritors(relid, NoLock, NULL))
        if (get_rel_relkind(lfirst_oid(child)) == RELKIND_FOREIGN_TABLE)
            return true;
    return false;
}

/*
 * A relation whose rows may differ for the same reader: row-level security
 * filters them for `as_user` (InvalidOid: the current user), or it is not
 * a table of the database's users (reads_outside_tables).
 */
static bool
relation_rows_may_differ(Oid relid, Oid as_user)
{
    return reads_outside_tables(relid) || check_enable_rls(relid, as_user, true) == RLS_ENABLED;
}

/*
 * A relation of the rewritten query whose rows may differ for whoever reads
 * it there (relation_rows_may_differ), a function or SQL value that may give
 * other rows in another session (see reads_session_state), also one a
 * window's RANGE offset calls, XML (xmlbinary, xmloption), or a sample:
 * taken as filtered.  current_user is allowed: the figures are kept per
 * reader.
 */
static bool
rows_may_differ(Node *node, void *context)
{
    if (node == NULL)
        return false;
    if (check_functions_in_node(node, reads_session_state, NULL) || IsA(node, XmlExpr))
        return true;
    if (IsA(node, WindowClause))
    {
        WindowClause *window = (WindowClause *) node;

        /* in_range for timestamptz follows TimeZone: '1 day' before is 23 or 25 hours across DST */
        if ((OidIsValid(window->startInRangeFunc) && reads_session_state(window->startInRangeFunc, NULL)) ||
            (OidIsValid(window->endInRangeFunc) && reads_session_state(window->endInRangeFunc, NULL)))
            return true;
    }
    if (IsA(node, SQLValueFunction))
    {
        SQLValueFunctionOp op = ((SQLValueFunction *) node)->op;

        /* session_user: logins sharing a role (SET ROLE) are one reader; current_date and the like: days go by */
        if (op != SVFOP_CURRENT_USER && op != SVFOP_CURRENT_ROLE && op != SVFOP_USER)
            return true;
    }
    if (IsA(node, RangeTblEntry))
    {
        RangeTblEntry *rte = (RangeTblEntry *) node;

        if (rte->tablesample != NULL)
            return true;        /* TABLESAMPLE: other rows at every run */
        if (rte->rtekind != RTE_RELATION || get_rel_relkind(rte->relid) == RELKIND_VIEW)
            return false;       /* a view's own entries (OLD, NEW): its query is the subquery walked */
        return relation_rows_may_differ(rte->relid, rte->checkAsUser);
    }
    if (IsA(node, Query))
        return query_tree_walker((Query *) node, (bool (*)()) (void (*)(void)) rows_may_differ, context,
                                 QTW_EXAMINE_RTES_BEFORE | QTW_EXAMINE_SORTGROUP);
    return expression_tree_walker(node, (bool (*)()) (void (*)(void)) rows_may_differ, context);
}

/*
 * Whether figures read by the current user may be stored and read back
 * under its name: not when what it reads may differ for the same role
 * (row-level security, session state, another server's rows).  The shop's
 * tables are the ones checked and locked; a view is parsed and rewritten
 * (nothing of it runs) to see the tables under it, with the role each is
 * read as.
 */
bool
dsr_figures_may_be_kept(const Source *source)
{
    SPIPlanPtr  plan;
    ListCell   *cell;
    bool        filtered = false;

    if (dsr_reads_shop_tables())
    {
        for (int i = 0; i < 3; i++)
            if (OidIsValid(dsr_shop_relids[i]) && relation_rows_may_differ(dsr_shop_relids[i], InvalidOid))
                return false;
        return true;
    }
    plan = SPI_prepare(psprintf("SELECT 1 FROM %s s", source->from_item), 0, NULL);
    if (plan == NULL)
        elog(ERROR, "could not parse the sales source: %s", SPI_result_code_string(SPI_result));
    foreach(cell, SPI_plan_get_plan_sources(plan))
    {
        ListCell   *query;

        foreach(query, ((CachedPlanSource *) lfirst(cell))->query_list)
            filtered = filtered || rows_may_differ((Node *) lfirst(query), NULL);
    }
    SPI_freeplan(plan);
    return !filtered;
}
