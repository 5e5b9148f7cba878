/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_EDGE_OVERLAY_H__
#define __GST_EDGE_OVERLAY_H__

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_OVERLAY (gst_edge_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstEdgeOverlay, gst_edge_overlay, GST, EDGE_OVERLAY,
                      GstVideoFilter);

GST_ELEMENT_REGISTER_DECLARE (edgeoverlay);

G_END_DECLS

#endif /* __GST_EDGE_OVERLAY_H__ */
