#!/bin/bash
# Exit non-zero until the export job has written its _SUCCESS marker for the previous hour;
# the node's rerun policy (6 tries, 5 minutes apart) turns that into a bounded wait.
set -euo pipefail
marker="oss://${EXPORT_BUCKET}/events/${hour}/_SUCCESS"
ossutil stat "$marker" >/dev/null
echo "export ready: $marker"
