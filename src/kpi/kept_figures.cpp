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
 * the sales.  A view calling a function that is not built in (in FROM, in a
 * filter) is taken as filtered too: the tables the function reads do not
 * show in the view's query.
 */
#include "kpi/kept_figures.h"
extern "C" {
#include "access/transam.h"
#include "nodes/nodeFuncs.h"
#include "utils/fmgroids.h"
#include "utils/plancache.h"
#include "utils/rls.h"
}

/*
 * A function not built into PostgreSQL: what it reads is not in the query
 * tree.  Or current_setting(): a view filtering on a setting (a tenant,
 * `WHERE shop_id = current_setting('app.shop_id')::int`) reads other sales
 * for the same role as soon as the setting changes, which the reader's name
 * does not show.
 */
static bool
user_defined_function(Oid function, void *context)
{
    (void) context;
    return function >= FirstNormalObjectId ||
        function == F_CURRENT_SETTING_TEXT || function == F_CURRENT_SETTING_TEXT_BOOL ||
        function == F_PG_SHOW_ALL_SETTINGS;     /* pg_settings */
}

/*
 * A relation of the rewritten query whose rows row-level security filters
 * for whoever reads it there, or a function whose reads cannot be seen (a
 * set-returning function in FROM, a filter calling a function, that reads a
 * table under row-level security): taken as filtered.
 */
static bool
filtered_by_rls(Node *node, void *context)
{
    if (node == NULL)
        return false;
    if (check_functions_in_node(node, user_defined_function, NULL))
        return true;
    /* session_user: logins sharing a role (SET ROLE) are one reader, not one session user */
    if (IsA(node, SQLValueFunction) && ((SQLValueFunction *) node)->op == SVFOP_SESSION_USER)
        return true;
    if (IsA(node, RangeTblEntry))
    {
        RangeTblEntry *rte = (RangeTblEntry *) node;

        return rte->rtekind == RTE_RELATION && check_enable_rls(rte->relid, rte->checkAsUser, true) == RLS_ENABLED;
    }
    if (IsA(node, Query))
        return query_tree_walker((Query *) node, (bool (*)()) (void (*)(void)) filtered_by_rls, context,
                                 QTW_EXAMINE_RTES_BEFORE);
    return expression_tree_walker(node, (bool (*)()) (void (*)(void)) filtered_by_rls, context);
}

/*
 * Whether figures read by the current user may be stored and read back
 * under its name: not when row-level security filters what it reads (the
 * policies may depend on more than the role).  The shop's tables are the
 * ones checked and locked; a view is parsed and rewritten (nothing of it
 * runs) to see the tables under it, with the role each is read as.
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
            if (OidIsValid(dsr_shop_relids[i]) &&
                check_enable_rls(dsr_shop_relids[i], InvalidOid, true) == RLS_ENABLED)
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
            filtered = filtered || filtered_by_rls((Node *) lfirst(query), NULL);
    }
    SPI_freeplan(plan);
    return !filtered;
}
