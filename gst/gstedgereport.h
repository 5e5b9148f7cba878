/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_EDGE_REPORT_H__
#define __GST_EDGE_REPORT_H__

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_REPORT (gst_edge_report_get_type ())
G_DECLARE_FINAL_TYPE (GstEdgeReport, gst_edge_report, GST, EDGE_REPORT,
                      GstBaseTransform);

GST_ELEMENT_REGISTER_DECLARE (edgereport);

G_END_DECLS

#endif /* __GST_EDGE_REPORT_H__ */
