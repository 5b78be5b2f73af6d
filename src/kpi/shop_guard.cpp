/*
 * shop_guard.cpp — while the default source's statements are parsed,
 * planned and run, no user relation but the shop's checked tables, and the
 * tables among their partitions and inheritance children, may be read, and
 * no code of the tables' owner may run as the role running the report.
 */
#include "kpi/kpi_source.h"
extern "C" {
#include "access/transam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
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
static needs_fmgr_hook_type previous_needs_fmgr_hook = NULL;
static fmgr_hook_type previous_fmgr_hook = NULL;
static Oid  run_role = InvalidOid;      /* the role running the report, as the guard started */

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

/* A check of one range table entry, applied by for_each_rte. */
typedef struct RteCheck
{
    void        (*check) (RangeTblEntry *rte);
} RteCheck;

/* Applies check to every range table entry of a statement, its subqueries and sublinks included. */
static bool
for_each_rte(Node *node, void *context)
{
    if (node == NULL)
        return false;
    if (IsA(node, RangeTblEntry))
    {
        ((RteCheck *) context)->check((RangeTblEntry *) node);
        return false;
    }
    if (IsA(node, Query))
        return query_tree_walker((Query *) node, (bool (*)()) (void (*)(void)) for_each_rte, context,
                                 QTW_EXAMINE_RTES_BEFORE);
    return expression_tree_walker(node, (bool (*)()) (void (*)(void)) for_each_rte, context);
}

static void
check_relation_is_checked(RangeTblEntry *rte)
{
    if (rte->rtekind == RTE_RELATION && rte->relid >= FirstNormalObjectId &&
        rte->relid != dsr_shop_relids[0] && rte->relid != dsr_shop_relids[1] &&
        rte->relid != dsr_shop_relids[2])
        refuse_changed_shop(psprintf("%s is not one of the tables checked",
                                     get_rel_name(rte->relid) ? get_rel_name(rte->relid) : "a relation"));
    /* a partition attached since the start: before the planner opens it */
    if (rte->rtekind == RTE_RELATION && rte->inh)
        dsr_check_shop_children(rte->relid);
}

static void
guard_shop_statement(ParseState *pstate, Query *query, JumbleState *jstate)
{
    RteCheck    relations = {check_relation_is_checked};

    if (previous_post_parse_analyze_hook)
        previous_post_parse_analyze_hook(pstate, query, jstate);
    /* not the run's own clean-up when its process ends (FATAL skips the caller's PG_FINALLY) */
    if (shop_guard_on && !proc_exit_inprogress)
        (void) for_each_rte((Node *) query, &relations);
}

/*
 * Row-level security policies of the tables are added by the rewriter, so
 * they are seen by the planner hook.  A policy runs in the run's process as
 * the role running the report, and an expression can run code in many ways
 * besides a call (a cast to a user's domain runs its CHECK, inside a
 * built-in input or JSON function; a subquery can call anything): so a
 * policy may only compare the table's columns with constants, through
 * built-in functions that are not volatile and are parallel safe (the
 * catalog's word for "runs no query and writes nothing"), all of built-in
 * types.  Any other node is refused, named (*what).
 */
static bool
untrusted_function(Oid funcid, void *context)
{
    const char *why = NULL;

    if (funcid >= FirstNormalObjectId)
        why = "not built in";
    else if (func_volatile(funcid) == PROVOLATILE_VOLATILE)
        why = "volatile";
    else if (func_parallel(funcid) != PROPARALLEL_SAFE)
        why = "not parallel safe (it runs queries, or writes)";   /* table_to_xml, pg_current_xact_id */
    else if (funcid == F_PG_GET_OBJECT_ADDRESS)
        why = "a function that locks the objects it names";
    if (why == NULL)
        return false;
    *(const char **) context = psprintf("%s, which is %s", format_procedure(funcid), why);
    return true;
}

static bool
untrusted_operator(Node *node, void *context)
{
    Oid         opno;

    switch (nodeTag(node))
    {
        case T_OpExpr:
        case T_DistinctExpr:
        case T_NullIfExpr:
            opno = ((OpExpr *) node)->opno;
            break;
        case T_ScalarArrayOpExpr:
            opno = ((ScalarArrayOpExpr *) node)->opno;
            break;
        default:
            return false;
    }
    if (opno < FirstNormalObjectId)
        return false;
    *(const char **) context = psprintf("the operator %s, which is not built in", format_operator(opno));
    return true;
}

static bool
policy_runs_other_code(Node *node, void *what)
{
    if (node == NULL)
        return false;
    switch (nodeTag(node))
    {
        case T_List:
        case T_CaseWhen:
            break;
        case T_Var:
        case T_Const:
        case T_FuncExpr:
        case T_OpExpr:
        case T_DistinctExpr:
        case T_NullIfExpr:
        case T_ScalarArrayOpExpr:
        case T_BoolExpr:
        case T_NullTest:
        case T_BooleanTest:
        case T_RelabelType:
        case T_CoerceViaIO:
        case T_CollateExpr:
        case T_CaseExpr:
        case T_CaseTestExpr:
        case T_CoalesceExpr:
        case T_MinMaxExpr:
        case T_ArrayExpr:
        case T_SQLValueFunction:
            if (exprType(node) >= FirstNormalObjectId)
            {
                *(const char **) what = psprintf("a value of type %s, which is not built in",
                                                 format_type_be(exprType(node)));
                return true;
            }
            /* the planner turns NOT (a op b) into the operator's negator, never checked again: built-in operators only */
            if (untrusted_operator(node, what) || check_functions_in_node(node, untrusted_function, what))
                return true;
            break;
        default:
            *(const char **) what = IsA(node, SubLink) ? "a subquery" : "an expression the report does not run";
            return true;
    }
    return expression_tree_walker(node, (bool (*)()) (void (*)(void)) policy_runs_other_code, what);
}

static void
check_policies_run_built_in_code_only(RangeTblEntry *rte)
{
    const char *what = NULL;

    if (rte->securityQuals != NIL && policy_runs_other_code((Node *) rte->securityQuals, &what))
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("a row-level security policy of %s.%s uses %s", dsr_shop_schema_name(),
                        get_rel_name(rte->relid) ? get_rel_name(rte->relid) : "a table", what),
                 errdetail("A policy runs in the report's process as the role running the report: it may compare"
                           " the table's columns with constants, through built-in functions that are neither"
                           " volatile nor parallel unsafe, all of built-in types."),
                 errhint("Change the policies of the shop's tables, or point daily_sales_report.source at a view"
                         " you trust.")));
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
    RteCheck    policies = {check_policies_run_built_in_code_only};
    PlannedStmt *plan;
    ListCell   *item;

    if (shop_guard_on && !proc_exit_inprogress)
    {
        (void) for_each_rte((Node *) parse, &policies);
        /* a parallel worker would run a part of the plan without these hooks; no setting undoes this */
        cursor_options &= ~CURSOR_OPT_PARALLEL_OK;
    }
    plan = previous_planner_hook
        ? previous_planner_hook(parse, query_string, cursor_options, params)
        : standard_planner(parse, query_string, cursor_options, params);
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

/*
 * The owner of the shop's tables need not be trusted, yet PostgreSQL runs
 * some of the tables' stored expressions while it plans a statement on
 * them, as the role running the report: an IMMUTABLE function of a CHECK
 * constraint (constraint exclusion), of an index, a statistics object or a
 * partition key (folded when loaded), and the functions of a row-level
 * security policy.  A function that is not built in and whose owner is no
 * superuser (an extension's are a superuser's) goes through fmgr_hook,
 * which refuses it while the guard is on unless the role running the
 * report owns it: whatever path reaches it.
 */
static Oid
owner_of_function(Oid fn_oid, char **name)
{
    HeapTuple   tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
    Oid         owner;

    if (!HeapTupleIsValid(tuple))
        return InvalidOid;
    owner = ((Form_pg_proc) GETSTRUCT(tuple))->proowner;
    if (name != NULL)
        *name = quote_qualified_identifier(get_namespace_name(((Form_pg_proc) GETSTRUCT(tuple))->pronamespace),
                                           NameStr(((Form_pg_proc) GETSTRUCT(tuple))->proname));
    ReleaseSysCache(tuple);
    return owner;
}

static bool
needs_trust_check(Oid fn_oid)
{
    Oid         owner;

    if (previous_needs_fmgr_hook && previous_needs_fmgr_hook(fn_oid))
        return true;
    if (fn_oid < FirstNormalObjectId)
        return false;
    owner = owner_of_function(fn_oid, NULL);
    return !OidIsValid(owner) || !superuser_arg(owner);
}

static void
calls_trusted_code_only(FmgrHookEventType event, FmgrInfo *flinfo, Datum *arg)
{
    if (previous_fmgr_hook)
        previous_fmgr_hook(event, flinfo, arg);
    if (event == FHET_START && shop_guard_on && !proc_exit_inprogress && flinfo->fn_oid >= FirstNormalObjectId)
    {
        char       *name = NULL;
        Oid         owner = owner_of_function(flinfo->fn_oid, &name);

        /* run_role, not GetUserId(): a SECURITY DEFINER function is its owner's by the time this is called */
        if (owner != run_role && !(OidIsValid(owner) && superuser_arg(owner)))
            ereport(ERROR,
                    (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                     errmsg("reading the shop's tables would call %s, a function of role %s, as role %s",
                            name ? name : "a function", GetUserNameFromId(owner, true) ? GetUserNameFromId(owner, true)
                            : "(dropped)", GetUserNameFromId(run_role, false)),
                     errdetail("PostgreSQL runs the functions of a table's CHECK constraints, indexes, statistics,"
                               " partition keys and row-level security policies as whoever plans or reads it:"
                               " the report runs only built-in functions, a superuser's (extensions) and its own."),
                     errhint("Drop or change what calls %s on the shop's tables, or point daily_sales_report.source"
                             " at a view you trust.", name ? name : "it")));
    }
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
        previous_needs_fmgr_hook = needs_fmgr_hook;
        needs_fmgr_hook = needs_trust_check;
        previous_fmgr_hook = fmgr_hook;
        fmgr_hook = calls_trusted_code_only;
        shop_guard_installed = true;
    }
    run_role = GetUserId();
    shop_guard_on = true;
}

