/*
 * pdf_page.h — the report's page, drawn on a canvas (pdf_page.cpp).
 */
#ifndef DSR_PDF_PAGE_H
#define DSR_PDF_PAGE_H

#include "pure_cpp.h" /* a C++ header: not for the PostgreSQL side */

#include "pdf_canvas.h"
#include "report.h"

namespace [[gnu::visibility("hidden")]] dsr
{

/* Draw the page of `r`; returns how many of its strings need shaping libharu cannot do. */
unsigned draw_report_page(Canvas &cv, const Font &regular, const Font &bold, const DsrReport &r);

/* The document's title in the report's language (its metadata). */
const char *report_title(const char *locale);

} /* namespace dsr */

#endif /* DSR_PDF_PAGE_H */
