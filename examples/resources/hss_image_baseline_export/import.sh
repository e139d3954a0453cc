# Adopt an export task that exists in HSS by its task id. HSS does not return
# the arguments the task was started with: the next apply records the
# configuration's arguments in place, without starting an export.
terraform import hss_image_baseline_export.shop export000001
