#include <archive.h>
#include <archive_entry.h>

// The file-type macros are casts Swift cannot import; these return them.
static inline unsigned int gembench_ae_ifreg(void) { return AE_IFREG; }
static inline unsigned int gembench_ae_ifdir(void) { return AE_IFDIR; }
