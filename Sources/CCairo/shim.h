#ifndef CCAIRO_SHIM_H
#define CCAIRO_SHIM_H

#include <cairo.h>
#include <cairo-svg.h>
// zlib, which Cairo's PNG support links already (libcairo2-dev → libpng-dev → zlib1g-dev): Plot
// writes its PNG files itself, with the filter and compression level that suit plots.
#include <zlib.h>

#endif
