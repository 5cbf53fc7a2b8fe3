// Umbrella header for the CFITSIO system library (module CCFITSIO).
//
// CFITSIO's long `fits_*` names are preprocessor macros, which Swift cannot see: the Swift
// layer (Sources/Core/FITS) calls the short `ff*` functions directly (`ffdkopn`, `ffgcv`,
// `ffgcf`, `ffpcl`, ...). Integer constants such as TDOUBLE, READONLY or ANY_HDU are plain
// macros and import as Swift constants.
#ifndef CCFITSIO_SHIM_H
#define CCFITSIO_SHIM_H

#include <fitsio.h>

#endif
