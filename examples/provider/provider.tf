# Recommended: keep credentials out of .tf files and export them instead:
#   export HW_REGION_NAME=cn-north-4
#   export HW_ACCESS_KEY=<access key id> HW_SECRET_KEY=<secret access key>
# (or use a KooCLI profile, an agency, OIDC from CI or the ECS metadata
# service: see Authentication). The project of the region is looked up in
# IAM unless HW_PROJECT_ID is set. Terraform records literal provider
# arguments in plan JSON and logs.
provider "hss" {}

# Everything explicit, with an IAM token from a variable instead:
provider "hss" {
  alias                 = "explicit"
  region                = "cn-north-4"
  project_id            = var.project_id
  token                 = var.iam_token
  enterprise_project_id = "all_granted_eps"
  max_retries           = 3
}

variable "project_id" {
  type = string
}

variable "iam_token" {
  type      = string
  sensitive = true
}
