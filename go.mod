module github.com/cloudsec/terraform-provider-hss

go 1.25.0
