/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstedgeclassify.h"
#include "gstedgeoverlay.h"
#include "gstedgereport.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (edgeclassify, plugin);
  ret |= GST_ELEMENT_REGISTER (edgeoverlay, plugin);
  ret |= GST_ELEMENT_REGISTER (edgereport, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, edgeclassify,
                   "Image classification of live video on the CPU", plugin_init,
                   PACKAGE_VERSION, GST_LICENSE, GST_PACKAGE_NAME,
                   GST_PACKAGE_ORIGIN)
