/*
 * atomic_file.h — write a file so that readers see the old content or the
 * new, never half of it: temporary file in the same directory, fsync, rename
 * over the target, fsync the directory.
 */
#ifndef DSR_ATOMIC_FILE_H
#define DSR_ATOMIC_FILE_H

#include "pure_cpp.h" /* a C++ header: not for the PostgreSQL side */

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace [[gnu::visibility("hidden")]] dsr
{

/* what() names the path and the OS reason */
struct AtomicFileError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/*
 * Replace `final_path` with `data`, creating missing directories (mkdir -p).
 * Returns the size written.  On failure the previous file is untouched and
 * no temporary file is left behind.
 */
int64_t write_file_atomically(const std::string &final_path, const std::vector<unsigned char> &data);

} /* namespace dsr */

#endif /* DSR_ATOMIC_FILE_H */
