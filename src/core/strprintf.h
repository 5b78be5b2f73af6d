/*
 * strprintf.h — printf into a std::string, for the pure C++ PDF code.
 */
#ifndef DSR_STRPRINTF_H
#define DSR_STRPRINTF_H

#include "pure_cpp.h" /* a C++ header: not for the PostgreSQL side */

#include <string>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace [[gnu::visibility("hidden")]] dsr
{

std::string strprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

} /* namespace dsr */

#endif /* DSR_STRPRINTF_H */
