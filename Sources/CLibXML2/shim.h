#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>   // found through pkg-config's include flag
#undef LIBXML_ICU_ENABLED        // STYLE.md quirk 1: must come before encoding.h is pulled in
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
// xmlFree is a global function-pointer variable; Swift 6 rejects reading it (STYLE.md quirk 2).
static inline void cxml_free(void *ptr) { xmlFree(ptr); }
#endif
