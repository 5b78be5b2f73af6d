/*
 * pdf_report.h — the one-page PDF report (libharu), pure C++ behind a C API.
 *
 * dsr_pdf_write never throws and never calls PostgreSQL: errors come back in
 * the result.  The file appears atomically: it is written to a temporary file
 * in the same directory, flushed, then renamed over final_path, so a reader
 * sees the old file or the new one, never half of one.
 */
#ifndef DSR_PDF_REPORT_H
#define DSR_PDF_REPORT_H

#include "report.h"

#ifdef __cplusplus
extern "C"
{
#endif

    typedef struct DsrPdfResult
    {
        bool    ok;
        int64_t bytes;      /* size of the written file */
        char    error[512]; /* what went wrong, naming the path, when !ok */
        /* names in scripts the page prints without shaping (letters unjoined):
     * DSR_SCRIPT_ARABIC | DSR_SCRIPT_INDIC, said in a footnote of the page */
        unsigned unshaped_scripts;
    } DsrPdfResult;

#define DSR_SCRIPT_ARABIC 1u
#define DSR_SCRIPT_INDIC  2u

    /*
 * Write `report` as a PDF to `final_path` (its directory is created if
 * missing).  The page uses the standard Helvetica fonts, nothing embedded,
 * when all its text is in WinAnsiEncoding; otherwise `font_path` /
 * `bold_font_path`, TrueType fonts embedded for UTF-8 text (DejaVu Sans from
 * fonts-dejavu-core).  Both files are checked on every call.  Characters
 * DejaVu lacks come from report->fallback_font_path (fonts-wqy-zenhei's by
 * default, embedded only when a name needs it); right-to-left names are
 * drawn in reading order; result.unshaped_scripts says which names the page
 * printed without the shaping their script needs (it has a footnote).
 */
    DsrPdfResult dsr_pdf_write(const DsrReport *report, const char *font_path, const char *bold_font_path,
                               const char *final_path) noexcept;

#ifdef __cplusplus
}
#endif

#endif /* DSR_PDF_REPORT_H */
