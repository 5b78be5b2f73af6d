/*
 * shop_guard.cpp — while the default source's statements are parsed and
 * planned, no user relation but the shop's checked tables, and the tables
 * among their partitions and inheritance children, may be read.
 */
#include "kpi/kpi_source.h"
extern "C" {
#include "access/transam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
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
static planner_hook_type previous_planner_hook = NULL;

const char *
dsr_relation_kind(char relkind)
{
    switch (relkind)
    {
        case RELKIND_VIEW:
            return "a view";
        case RELKIND_MATVIEW:
            return "a materialized view";
        case RELKIND_FOREIGN_TABLE:
            return "a foreign table";
        case RELKIND_SEQUENCE:
            return "a sequence";
        case RELKIND_INDEX:
        case RELKIND_PARTITIONED_INDEX:
            return "an index";
        default:
            return "another kind of relation";
    }
}

bool
dsr_is_table(char relkind)
{
    return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE;
}

void
dsr_check_shop_children(Oid relid)
{
    ListCell   *member;

    if (!has_subclass(relid))
        return;
    foreach(member, find_all_inheritors(relid, AccessShareLock, NULL))
    {
        Oid         child = lfirst_oid(member);
        char        relkind = get_rel_relkind(child);

        if (!dsr_is_table(relkind))
            ereport(ERROR,
                    (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                     errmsg("%s.%s has %s among its partitions or inheritance children: %s.%s",
                            dsr_shop_schema_name(), get_rel_name(relid), dsr_relation_kind(relkind),
                            get_namespace_name(get_rel_namespace(child)), get_rel_name(child)),
                     errdetail("%s", DSR_NOT_TABLES_DETAIL),
                     errhint("%s", DSR_NOT_TABLES_HINT)));
    }
}

static void
refuse_changed_shop(const char *what)
{
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("the shop's tables changed during the run: %s", what),
             errdetail("Schema \"%s\" now names other relations than at the start of the run.",
                       dsr_shop_schema_name()),
             errhint("Run the report again; if it happens again, check who renames or replaces that schema.")));
}

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
            refuse_changed_shop(psprintf("%s is not one of the tables checked",
                                         get_rel_name(rte->relid) ? get_rel_name(rte->relid) : "a relation"));
        /* a partition attached since the start: before the planner opens it */
        if (rte->rtekind == RTE_RELATION && rte->inh)
            dsr_check_shop_children(rte->relid);
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

/*
 * The plan's relations, partitions and children included: tables only.
 * One attached between the parse check and the planner's own look at the
 * partitions (ATTACH PARTITION does not wait for the run's locks) is
 * refused here, before anything is read from it.
 */
static PlannedStmt *
plan_shop_statement(Query *parse, const char *query_string, int cursor_options, ParamListInfo params)
{
    PlannedStmt *plan = previous_planner_hook
        ? previous_planner_hook(parse, query_string, cursor_options, params)
        : standard_planner(parse, query_string, cursor_options, params);
    ListCell   *item;

    if (shop_guard_on && !proc_exit_inprogress)
        foreach(item, plan->rtable)
        {
            RangeTblEntry *rte = lfirst_node(RangeTblEntry, item);

            if (rte->rtekind == RTE_RELATION && rte->relid >= FirstNormalObjectId && !dsr_is_table(rte->relkind))
                refuse_changed_shop(psprintf("%s is %s", get_rel_name(rte->relid) ? get_rel_name(rte->relid)
                                             : "a relation", dsr_relation_kind(rte->relkind)));
        }
    return plan;
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
        previous_planner_hook = planner_hook;
        planner_hook = plan_shop_statement;
        shop_guard_installed = true;
    }
    shop_guard_on = true;
}

