# Export the baseline check results of the shop images once per release,
# keep the task in state, and download the ZIP file next to the configuration.
variable "release" {
  type = string
}

resource "hss_image_baseline_export" "shop" {
  export_size = 10000
  operate_all = true
  image_type  = "private_image"
  namespace   = "shop"

  # A new release starts a new export.
  triggers = {
    release = var.release
  }

  output_path = "${path.module}/baseline-${var.release}.zip"

  timeouts {
    create = "20m"
  }
}

output "export_task" {
  value = {
    task_id = hss_image_baseline_export.shop.task_id
    records = hss_image_baseline_export.shop.record_total_num
    sha256  = hss_image_baseline_export.shop.output_sha256
  }
}
