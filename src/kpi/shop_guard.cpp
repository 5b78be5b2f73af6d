/*
 * shop_guard.cpp — while the default source's statements are parsed, no
 * user relation but the shop's checked tables may be read.
 */
#include "kpi/kpi_source.h"
extern "C" {
#include "access/transam.h"
#include "nodes/nodeFuncs.h"
#include "parser/analyze.h"
#include "utils/lsyscache.h"
}
#include "extension/settings.h"

/*
 * The checked tables (orders, order_items, products), locked by OID: what
 * the checks saw is what the statements read.  Their schema is still looked
 * up by name at each statement, and renaming a schema locks none of its
 * tables: its owner could rename it during a run and put views of its own
 * in a new schema of that name.  So while the KPI statements are parsed,
 * any user relation other than these is refused before anything runs.
 */
Oid         dsr_shop_relids[3];
static bool shop_guard_on = false;
static bool shop_guard_installed = false;
static post_parse_analyze_hook_type previous_post_parse_analyze_hook = NULL;

static bool
reads_checked_relations_only(Node *node, void *context)
{
    if (node == NULL)
        return false;
    if (IsA(node, RangeTblEntry))
    {
        RangeTblEntry *rte = (RangeTblEntry *) node;

        if (rte->rtekind == RTE_RELATION && rte->relid >= FirstNormalObjectId &&
            rte->relid != dsr_shop_relids[0] && rte->relid != dsr_shop_relids[1] &&
            rte->relid != dsr_shop_relids[2])
            ereport(ERROR,
                    (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                     errmsg("the shop's tables changed during the run: %s is not one of the tables checked",
                            get_rel_name(rte->relid) ? get_rel_name(rte->relid) : "a relation"),
                     errdetail("Schema \"%s\" now names other relations than at the start of the run.",
                               dsr_shop_schema_name()),
                     errhint("Run the report again; if it happens again, check who renames or replaces that schema.")));
        return false;
    }
    if (IsA(node, Query))
        return query_tree_walker((Query *) node, (bool (*)()) (void (*)(void)) reads_checked_relations_only, context, QTW_EXAMINE_RTES_BEFORE);
    return expression_tree_walker(node, (bool (*)()) (void (*)(void)) reads_checked_relations_only, context);
}

static void
guard_shop_statement(ParseState *pstate, Query *query, JumbleState *jstate)
{
    if (previous_post_parse_analyze_hook)
        previous_post_parse_analyze_hook(pstate, query, jstate);
    /* not the run's own clean-up when its process ends (FATAL skips the caller's PG_FINALLY) */
    if (shop_guard_on && !proc_exit_inprogress)
        (void) reads_checked_relations_only((Node *) query, NULL);
}

/* While it is on, statements may read the checked tables and the catalogs only (the default source). */
void
dsr_shop_guard(bool on)
{
    shop_guard_on = on && shop_guard_installed && dsr_reads_shop_tables();
}

void
dsr_shop_guard_start(void)
{
    if (!shop_guard_installed)
    {
        previous_post_parse_analyze_hook = post_parse_analyze_hook;
        post_parse_analyze_hook = guard_shop_statement;
        shop_guard_installed = true;
    }
    shop_guard_on = true;
}

