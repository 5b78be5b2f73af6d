/*
 * pdf_document.h — libharu's document with every call checked and errors
 * turned into PdfError (pdf_document.cpp); its fonts are loaded here too
 * (pdf_fonts.cpp).  The two errors of PDF generation: PdfError, and
 * OutsideFontEncoding (a standard font cannot show the text).
 */
#ifndef DSR_PDF_DOCUMENT_H
#define DSR_PDF_DOCUMENT_H

#include "pure_cpp.h" /* a C++ header: not for the PostgreSQL side */

#include "pdf_fonts.h" /* Font, TtfCmap; with <hpdf.h>, <string>, <vector> */

#include <stdexcept>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace [[gnu::visibility("hidden")]] dsr
{

/* what() says what was being done and why it failed */
struct PdfError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/* Thrown when text has a character that a standard font's WinAnsiEncoding
 * cannot show: the caller starts again with embedded TrueType fonts. */
struct OutsideFontEncoding : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/* libharu's first error of a document, recorded by its error callback. */
struct HaruErrorState
{
    HPDF_STATUS error_no = HPDF_OK;
    HPDF_STATUS detail_no = 0;
    unsigned    count = 0;
};

/* A compressed PDF document; its text is given in UTF-8. */
class HaruDoc
{
public:
    HaruDoc();
    ~HaruDoc()
    {
        HPDF_Free(doc_);
    }
    HaruDoc(const HaruDoc &) = delete;
    HaruDoc &operator=(const HaruDoc &) = delete;

    /* Throws PdfError unless `st` is HPDF_OK and libharu reported nothing. */
    void check(HPDF_STATUS st, const char *what) const;

    /* Embed a TrueType font for UTF-8 text; `cmap` is the same file's. */
    Font load_font(const char *path, const TtfCmap &cmap);

    /* One of the standard fonts every PDF reader has ("Helvetica"), in
     * WinAnsiEncoding: nothing embedded.  Text it cannot show throws
     * OutsideFontEncoding when measured or drawn. */
    Font standard_font(const char *name);

    /* UTF-8 text; non-ASCII goes out as UTF-16BE with a byte order mark. */
    void set_info(const std::string &title, const std::string &author, const std::string &creator);

    HPDF_Page add_a4_page();

    /* The finished document (libharu's memory stream). */
    std::vector<unsigned char> save_to_memory();

private:
    /* Describe the first recorded error (or `st` if none was recorded). */
    std::string describe(HPDF_STATUS st) const;
    bool
    has_error() const
    {
        return err_.count != 0;
    }

    HaruErrorState err_; /* must outlive doc_: declared first */
    HPDF_Doc       doc_ = nullptr;
    bool           utf8_ = false; /* UTF-8 encoder enabled (costly: only for TrueType) */
};

} /* namespace dsr */

#endif /* DSR_PDF_DOCUMENT_H */
