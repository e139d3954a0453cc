package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ProjectError is an IAM answer that does not name exactly one project for
// a region.
type ProjectError struct {
	Region    string
	Found     []string // the ids IAM listed
	Request   string   // method and path of the (last) IAM request
	RequestID string
}

func (e *ProjectError) Error() string {
	var what string
	switch len(e.Found) {
	case 0:
		what = fmt.Sprintf("IAM has no project named %q: %s answered 0 projects", e.Region, e.Request)
	default:
		what = fmt.Sprintf("IAM has %d projects named %q (%s): %s; the provider will not guess which", len(e.Found), e.Region, strings.Join(e.Found, ", "), e.Request)
	}
	if e.RequestID != "" {
		what += " (request id " + e.RequestID + ")"
	}
	return what + ". Set project_id (or HW_PROJECT_ID) to the ID of the IAM project to use in region " + e.Region +
		"; for a data source's own region, configure a provider alias for that region with its project_id"
}

// Project is the IAM project of a region: the configured one for the
// client's region, otherwise looked up in IAM once for the client's
// lifetime (concurrent callers share the lookup). IAM's answer that no or
// several projects match is kept too; a failed request is asked again.
func (c *Client) Project(ctx context.Context, region string) (string, error) {
	if region == "" {
		region = c.cfg.Region
	}
	if region == c.cfg.Region && c.cfg.ProjectID != "" {
		return c.cfg.ProjectID, nil
	}
	v, err := c.projects.get(region, func() (any, error) {
		id, err := c.lookUpProject(ctx, region)
		var pe *ProjectError
		if errors.As(err, &pe) {
			return pe, nil // IAM's definitive answer is kept like a project id
		}
		return id, err
	})
	if err != nil {
		return "", err
	}
	if pe, ok := v.(*ProjectError); ok {
		return "", pe
	}
	id, _ := v.(string)
	return id, nil
}

func (c *Client) lookUpProject(ctx context.Context, region string) (string, error) {
	creds, err := c.currentCredentials(ctx)
	if err != nil {
		return "", err
	}
	if creds.Token != "" && region == c.cfg.Region {
		return c.tokenProject(ctx, creds.Token)
	}
	return c.projectByName(ctx, region)
}

// tokenProject is the project a token is scoped to.
func (c *Client) tokenProject(ctx context.Context, token string) (string, error) {
	r := &request{
		method:   http.MethodGet,
		base:     c.iam,
		segments: []string{"auth", "tokens"},
		header:   map[string]string{"X-Subject-Token": token},
		retry:    retryRead,
	}
	var out struct {
		Token *struct {
			Project *struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"project"`
		} `json:"token"`
	}
	o, err := c.decodeInto(ctx, r, &out)
	if err != nil {
		return "", err
	}
	if out.Token == nil {
		return "", o.fieldError("token", errors.New("missing"))
	}
	if out.Token.Project == nil || out.Token.Project.ID == "" {
		return "", fmt.Errorf("the token is not scoped to a project (%s, request id %s), so it names no project: set project_id (or HW_PROJECT_ID), or use a project-scoped token",
			o.method+" "+o.path, o.requestID)
	}
	return out.Token.Project.ID, nil
}

// maxProjectPages bounds links.next: a loop of links must not hang a plan.
const maxProjectPages = 100

func (c *Client) projectByName(ctx context.Context, region string) (string, error) {
	base, segments, query := c.iam, []string{"projects"}, []param{{"name", region}}
	var ids []string
	var first *object
	for page := 1; ; page++ {
		r := &request{method: http.MethodGet, base: base, segments: segments, query: query, retry: retryRead}
		var out struct {
			Projects *[]struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"projects"`
			Links *struct {
				Next *string `json:"next"`
			} `json:"links"`
		}
		o, err := c.decodeInto(ctx, r, &out)
		if err != nil {
			return "", err
		}
		if first == nil {
			first = o
		}
		if out.Projects == nil {
			return "", o.fieldError("projects", errors.New("missing"))
		}
		for _, p := range *out.Projects {
			if p.Name == region && p.ID != "" {
				ids = append(ids, p.ID)
			}
		}
		if out.Links == nil || out.Links.Next == nil || *out.Links.Next == "" {
			break
		}
		if page == maxProjectPages {
			return "", o.fieldError("links.next", fmt.Errorf("still set after %d pages", maxProjectPages))
		}
		next, err := url.Parse(*out.Links.Next)
		if err != nil || next.Host != c.iam.Host || (next.Scheme != "" && next.Scheme != c.iam.Scheme) {
			// Credentials go only to the configured IAM endpoint.
			return "", o.fieldError("links.next", fmt.Errorf("not a URL of the IAM endpoint %s", c.iam.Host))
		}
		values, err := url.ParseQuery(next.RawQuery)
		if err != nil {
			return "", o.fieldError("links.next", errors.New("malformed query"))
		}
		query = nil
		for k, vs := range values {
			for _, v := range vs {
				query = append(query, param{k, v})
			}
		}
		b := *c.iam
		b.Path = ""
		base, segments = &b, strings.Split(strings.Trim(next.Path, "/"), "/")
	}
	if len(ids) != 1 {
		return "", &ProjectError{Region: region, Found: ids, Request: "GET " + first.path + "?name=" + url.QueryEscape(region), RequestID: first.requestID}
	}
	return ids[0], nil
}
