/*
 * pdf_document.cpp — the libharu document: created with its error callback
 * recording the first error, every call checked into a PdfError that says
 * what failed, its info strings, its A4 pages, and the finished bytes.
 * Fonts are pdf_fonts.cpp's, drawing on a page pdf_canvas.cpp's.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "pdf_document.h"

#include "strprintf.h"
#include "utf8_text.h"

namespace dsr
{

namespace
{

/* Called by libharu on every error.  It only records: no throw, no longjmp;
 * the failing libharu call then returns an error code that we check. */
void
haru_error_handler(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    auto *st = static_cast<HaruErrorState *>(user_data);
    if (!st)
        return;
    if (st->count == 0)
    {
        st->error_no = error_no;
        st->detail_no = detail_no;
    }
    st->count++;
}

const char *
haru_error_text(HPDF_STATUS code)
{
    switch (code)
    {
        case HPDF_FAILD_TO_ALLOC_MEM:
            return "out of memory";
        case HPDF_FILE_IO_ERROR:
            return "file I/O error";
        case HPDF_FILE_OPEN_ERROR:
            return "could not open file";
        case HPDF_INVALID_FONTDEF_DATA:
            return "invalid font data";
        case HPDF_INVALID_FONT_NAME:
            return "invalid font name";
        case HPDF_INVALID_ENCODER:
            return "invalid encoder";
        case HPDF_INVALID_ENCODING_NAME:
            return "invalid encoding name";
        case HPDF_TTF_CANNOT_EMBEDDING_FONT:
            return "font does not allow embedding";
        case HPDF_TTF_INVALID_CMAP:
            return "unsupported TrueType cmap";
        case HPDF_TTF_INVALID_FOMAT:
            return "not a TrueType font";
        case HPDF_TTF_MISSING_TABLE:
            return "TrueType font misses a required table";
        case HPDF_UNSUPPORTED_FONT_TYPE:
            return "unsupported font type";
        case HPDF_PAGE_INVALID_GMODE:
            return "drawing call in the wrong graphics mode";
        case HPDF_PAGE_FONT_NOT_FOUND:
            return "no font selected";
        case HPDF_PAGE_OUT_OF_RANGE:
            return "coordinates out of range";
        case HPDF_REAL_OUT_OF_RANGE:
            return "number out of range";
        case HPDF_STRING_OUT_OF_RANGE:
            return "string too long";
        case HPDF_ZLIB_ERROR:
            return "compression error";
        default:
            return "libharu error";
    }
}

} /* namespace */

HaruDoc::HaruDoc()
{
    doc_ = HPDF_New(haru_error_handler, &err_);
    if (!doc_)
        throw PdfError("could not create PDF document (libharu: out of memory)");
    try
    {
        check(HPDF_SetCompressionMode(doc_, HPDF_COMP_ALL), "enabling compression");
    }
    catch (...)
    {
        HPDF_Free(doc_); /* no destructor call when a constructor throws */
        throw;
    }
}

std::string
HaruDoc::describe(HPDF_STATUS st) const
{
    HPDF_STATUS code = err_.count ? err_.error_no : st;
    HPDF_STATUS detail = err_.count ? err_.detail_no : 0;
    return strprintf("%s (libharu error 0x%04X, detail %u)", haru_error_text(code), static_cast<unsigned>(code),
                     static_cast<unsigned>(detail));
}

void
HaruDoc::check(HPDF_STATUS st, const char *what) const
{
    if (st != HPDF_OK || err_.count)
        throw PdfError(std::string("PDF generation failed while ") + what + ": " + describe(st));
}

void
HaruDoc::set_info(const std::string &title, const std::string &author, const std::string &creator)
{
    /* libharu writes an info string as UTF-16BE with a byte order mark
     * (<FEFF...>) when the current encoder is UTF-8, and byte for byte
     * otherwise: plain ASCII stays as it was, anything else goes through
     * the UTF-8 encoder (invalid UTF-8 is replaced first). */
    bool ascii = true;
    for (const std::string *s : {&title, &author, &creator})
        for (char c : *s)
            if (static_cast<unsigned char>(c) >= 0x80)
                ascii = false;
    if (!ascii && !utf8_)
    {
        check(HPDF_UseUTFEncodings(doc_), "enabling UTF-8");
        check(HPDF_SetCurrentEncoder(doc_, "UTF-8"), "selecting the UTF-8 encoder");
        utf8_ = true;
    }
    auto text = [&](const std::string &s) { return ascii ? s : sanitize_utf8(s, "?"); };
    check(HPDF_SetInfoAttr(doc_, HPDF_INFO_TITLE, text(title).c_str()), "setting the title");
    check(HPDF_SetInfoAttr(doc_, HPDF_INFO_AUTHOR, text(author).c_str()), "setting the author");
    check(HPDF_SetInfoAttr(doc_, HPDF_INFO_CREATOR, text(creator).c_str()), "setting the creator");
}

HPDF_Page
HaruDoc::add_a4_page()
{
    HPDF_Page page = HPDF_AddPage(doc_);
    if (!page)
        check(HPDF_INVALID_PAGE, "adding a page");
    check(HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT), "setting the page size");
    return page;
}

std::vector<unsigned char>
HaruDoc::save_to_memory()
{
    check(HPDF_SaveToStream(doc_), "saving the document");
    HPDF_UINT32 size = HPDF_GetStreamSize(doc_);
    check(HPDF_OK, "sizing the document");
    if (size == 0)
        throw PdfError("PDF generation failed: libharu produced an empty document");

    std::vector<unsigned char> out(size);
    HPDF_UINT32                got = 0;
    while (got < size)
    {
        HPDF_UINT32 chunk = size - got;
        HPDF_STATUS st = HPDF_ReadFromStream(doc_, out.data() + got, &chunk);
        got += chunk;
        if (st == HPDF_STREAM_EOF || chunk == 0)
            break;
        check(st, "reading the document");
    }
    if (got != size)
        throw PdfError(strprintf("PDF generation failed: read %u of %u bytes from libharu", static_cast<unsigned>(got),
                                 static_cast<unsigned>(size)));
    return out;
}

} /* namespace dsr */
