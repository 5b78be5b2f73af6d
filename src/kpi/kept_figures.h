/*
 * kept_figures.h — whether the figures the current user reads may be kept
 * in daily_sales_report.day_totals under its name (kept_figures.cpp), for
 * expected_revenue.cpp.
 */
#ifndef DSR_KEPT_FIGURES_H
#define DSR_KEPT_FIGURES_H

#include "kpi/kpi_source.h"

/*
 * False when row-level security may filter what the current user reads
 * from `source` (its policies may depend on more than the role), or a view
 * calls anything but a built-in IMMUTABLE function; the view is parsed and
 * rewritten, never run.
 */
bool dsr_figures_may_be_kept(const Source *source);

#endif /* DSR_KEPT_FIGURES_H */
