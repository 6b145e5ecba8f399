#include "CBuildInfo.h"

// build-info.h is written by scripts/build-info (git-ignored); only this file includes it, so a new
// commit recompiles one C file and nothing else.
#if __has_include("build-info.h")
#include "build-info.h"
#endif

#ifndef CATALOG_ETL_COMMIT
#define CATALOG_ETL_COMMIT "unknown"
#endif

const char *catalog_etl_commit(void) { return CATALOG_ETL_COMMIT; }
