package simulator

import (
	"fmt"
	"time"
)

// Host is one host a local image is on. ScanStatus and LatestScanTime,
// when set, override the image's for this host's record; so does
// ScanFailedDesc, even when the status is success.
type Host struct {
	Name           string
	ID             string
	ScanStatus     string
	LatestScanTime int64
	ScanFailedDesc string
}

// Arch is one architecture of a multi-architecture image.
type Arch struct {
	ImageID    string
	Digest     string
	ScanStatus string
	VulNum     int64
}

// Names in listImages that tests and examples refer to.
const (
	// DecoyCount images in namespace "mirror" contain "redis" in their name
	// and "7.2" in their version, and come before mirror/redis:7.2 in every
	// listing: only exact matching over every page finds it.
	DecoyCount = 230
	// FreshScanAge is how old the last scan of the images HSS keeps
	// rescanning (release/checkout:4.0, release/gateway:3.0) always is.
	FreshScanAge = 2 * time.Hour
)

// listImages are images in every scan state, added to DefaultImages for
// the image lists. None has a finding, so the statistics of the images
// before them read as they always did.
func listImages() []Image {
	const t0 = 1767225600000 // 2026-01-01T00:00:00Z in ms
	const day = 86400000
	private := func(id, name, version, status string) Image {
		return Image{
			ID: id, Type: "private_image", EnterpriseProjectID: "0", Namespace: "release", Name: name, Version: version,
			RegistryName: "SWR", ScanStatus: status, SizeBytes: 50000000, LatestUpdateTime: t0 + 60*day, LatestVersion: true,
		}
	}
	checkout := private("img-checkout-40", "checkout", "4.0", "success")
	checkout.SeverityLevel, checkout.ScanAge = "Security", FreshScanAge

	search := private("img-search-23", "search", "2.3", "unscan")

	ledger := private("img-ledger-14", "ledger", "1.4", "failed")
	ledger.ScanFailedCode, ledger.ScanFailedDesc = "failed_to_scan_vulnerability", "Failed to scan the image for vulnerabilities."

	notify := private("img-notify-08", "notify", "0.8", "waiting_for_scan")

	media := private("img-media-51", "media", "5.1", "download_failed")
	media.ScanFailedCode, media.ScanFailedDesc = "download_failed", "Failed to download the image from the registry."

	model := private("img-model-90", "model", "9.0", "image_oversized")
	model.ScanFailedCode, model.ScanFailedDesc = "image_over_sized", "The image is larger than the scan limit."

	gateway := private("img-gateway-30", "gateway", "3.0", "success")
	gateway.SeverityLevel, gateway.ScanAge = "Low", FreshScanAge
	gateway.Arches = []Arch{
		{ImageID: "img-gateway-30-amd64", Digest: digestOf("img-gateway-30-amd64"), ScanStatus: "success"},
		{ImageID: "img-gateway-30-arm64", Digest: digestOf("img-gateway-30-arm64"), ScanStatus: "failed"},
	}

	// The same name and tag in two SWR enterprise edition instances.
	proxy := func(id, instance string) Image {
		return Image{
			ID: id, Type: "instance_image", EnterpriseProjectID: "0", Namespace: "platform", Name: "proxy", Version: "1.0",
			InstanceID: instance, InstanceName: instance + "-registry", RegistryName: instance + "-registry",
			ScanStatus: "success", SeverityLevel: "Security", LatestUpdateTime: t0 + 61*day, LatestScanTime: t0 + 61*day, LatestVersion: true,
		}
	}

	images := []Image{checkout, search, ledger, notify, media, model, gateway, proxy("img-proxy-a", "swr-ee-a1"), proxy("img-proxy-b", "swr-ee-b2")}

	// Local images: one on two hosts, scanned on both; one on two hosts,
	// still waiting on one of them.
	images = append(images,
		Image{
			ID: "img-local-redis", Type: "local_image", EnterpriseProjectID: "0", Name: "redis", Version: "7.2",
			ScanStatus: "success", SeverityLevel: "Low", SizeBytes: 40000000, LatestUpdateTime: t0 + 15*day, LatestScanTime: t0 + 16*day,
			Hosts: []Host{{Name: "node-a", ID: "host-a"}, {Name: "node-b", ID: "host-b"}},
		},
		Image{
			ID: "img-local-busybox", Type: "local_image", EnterpriseProjectID: "0", Name: "busybox", Version: "1.36",
			ScanStatus: "success", SizeBytes: 4000000, LatestUpdateTime: t0 + 15*day, LatestScanTime: t0 + 16*day,
			Hosts: []Host{{Name: "node-a", ID: "host-a"}, {Name: "node-c", ID: "host-c", ScanStatus: "waiting"}},
		},
		Image{
			ID: "img-cicd-runner-10", Type: "cicd", EnterpriseProjectID: "0", Namespace: "ci", Name: "pipeline-runner", Version: "1.0",
			CICDName: "main-pipeline", ScanStatus: "scanning", SizeBytes: 150000000, LatestUpdateTime: t0 + 70*day,
		},
	)

	// A release: every image of storefront tagged 5.0 (and an older tag
	// that is not part of it).
	storefront := func(id, name, version, status string) Image {
		img := Image{
			ID: id, Type: "private_image", EnterpriseProjectID: "0", Namespace: "storefront", Name: name, Version: version,
			RegistryName: "SWR", ScanStatus: status, SizeBytes: 30000000, LatestUpdateTime: t0 + 90*day, LatestVersion: version == "5.0",
		}
		if status == "success" {
			img.SeverityLevel, img.ScanAge = "Low", FreshScanAge
		}
		if status == "failed" {
			img.ScanFailedCode, img.ScanFailedDesc = "image_layer_over_sized", "An image layer is larger than the scan limit."
		}
		return img
	}
	images = append(images,
		storefront("img-sf-cart-50", "cart", "5.0", "success"),
		storefront("img-sf-web-50", "web", "5.0", "success"),
		storefront("img-sf-search-50", "search", "5.0", "scanning"),
		storefront("img-sf-payments-50", "payments", "5.0", "failed"),
		storefront("img-sf-web-49", "web", "4.9", "unscan"),
	)

	// Decoys first, then the one image they all contain.
	for i := range DecoyCount {
		name := fmt.Sprintf("redis-exporter-%03d", i)
		if i%2 == 1 {
			name = fmt.Sprintf("redis-sentinel-%03d", i)
		}
		images = append(images, Image{
			ID: fmt.Sprintf("img-mirror-decoy-%03d", i), Type: "private_image", EnterpriseProjectID: "0", Namespace: "mirror",
			Name: name, Version: "7.2." + fmt.Sprint(i%5), RegistryName: "SWR", ScanStatus: "unscan", LatestUpdateTime: t0 + 80*day,
		})
	}
	images = append(images, Image{
		ID: "img-mirror-redis-72", Type: "private_image", EnterpriseProjectID: "0", Namespace: "mirror", Name: "redis", Version: "7.2",
		RegistryName: "SWR", ScanStatus: "success", SeverityLevel: "Security", SizeBytes: 41000000,
		LatestUpdateTime: t0 + 80*day, LatestScanTime: t0 + 81*day, LatestVersion: true,
	})
	return images
}
