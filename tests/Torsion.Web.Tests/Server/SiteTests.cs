using System.Text;
using Torsion.Defer;
using Torsion.Web.Server;

namespace Torsion.Web.Tests.Server;

public sealed class SiteTests
{
    private sealed class Text(string text) : Resource
    {
        public override RenderResult RenderGet(Request request) => text;
    }

    private sealed class Echo : Resource
    {
        public override bool IsLeaf => true;

        public override RenderResult RenderGet(Request request) =>
            $"prepath={string.Join('|', request.Prepath)} postpath={string.Join('|', request.Postpath)} a={string.Join(',', request.Args.GetValueOrDefault("a") ?? [])}";

        public override RenderResult RenderPost(Request request)
        {
            using var reader = new StreamReader(request.Content, Encoding.UTF8, leaveOpen: true);
            var body = reader.ReadToEnd();
            return $"body={body} name={request.GetArg("name")} q={request.GetArg("q")}";
        }
    }

    private sealed class Dynamic : Resource
    {
        public override Resource GetChild(string path, Request request) => new Text("dynamic " + path);
    }

    private static Resource Tree()
    {
        var root = new Resource();
        root.PutChild("", new Text("home"));
        root.PutChild("hello", new Text("hello world"));
        root.PutChild("echo", new Echo());
        root.PutChild("dyn", new Dynamic());
        return root;
    }

    [Fact]
    public void Static_children_are_found_by_path_segment()
    {
        var site = new SiteHarness(Tree());
        Assert.Equal("home", SiteHarness.Body(site.Fetch(SiteHarness.Get("/"))));
        Assert.Equal("hello world", SiteHarness.Body(site.Fetch(SiteHarness.Get("/hello"))));
    }

    [Fact]
    public void Unknown_child_is_404()
    {
        var site = new SiteHarness(Tree());
        var response = site.Fetch(SiteHarness.Get("/nothing"));
        Assert.StartsWith("HTTP/1.1 404 Not Found", response);
        Assert.Contains("No Such Resource", response);
    }

    [Fact]
    public void A_child_put_on_a_leaf_is_found_and_the_leaf_keeps_the_other_paths()
    {
        var echo = new Echo();
        echo.PutChild("ws", new Text("the child"));
        var root = new Resource();
        root.PutChild("echo", echo);
        var site = new SiteHarness(root);
        Assert.Equal("the child", SiteHarness.Body(site.Fetch(SiteHarness.Get("/echo/ws"))));
        Assert.Equal("prepath=echo postpath=other a=", SiteHarness.Body(site.Fetch(SiteHarness.Get("/echo/other"))));
    }

    [Fact]
    public void GetChild_makes_children_on_demand()
    {
        var site = new SiteHarness(Tree());
        Assert.Equal("dynamic x%y", SiteHarness.Body(site.Fetch(SiteHarness.Get("/dyn/x%25y"))));
    }

    [Fact]
    public void Leaf_gets_the_rest_of_the_path_and_the_query_arguments()
    {
        var site = new SiteHarness(Tree());
        Assert.Equal("prepath=echo postpath=a|b c| a=1,x y", SiteHarness.Body(site.Fetch(SiteHarness.Get("/echo/a/b%20c/?a=1&a=x+y"))));
    }

    [Fact]
    public void Form_body_arguments_are_parsed()
    {
        var site = new SiteHarness(Tree());
        var response = site.Fetch("POST /echo?q=3 HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 15\r\n\r\nname=J%C3%B6rg+B");
        Assert.Equal("body=name=J%C3%B6rg+ name=Jörg  q=3", Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(SiteHarness.Body(response))));
    }

    [Fact]
    public void Method_without_a_render_method_is_405_with_Allow()
    {
        var site = new SiteHarness(Tree());
        var response = site.Fetch("DELETE /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 405 Method Not Allowed", response);
        Assert.Contains("Allow: GET, HEAD, OPTIONS\r\n", response);
    }

    [Fact]
    public void Head_renders_get_without_the_body()
    {
        var site = new SiteHarness(Tree());
        var response = site.Fetch("HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Contains("Content-Length: 11\r\n", response);
        Assert.EndsWith("\r\n\r\n", response);
    }

    private sealed class Later(Clock clock) : Resource
    {
        public override RenderResult RenderGet(Request request)
        {
            clock.CallLater(TimeSpan.FromSeconds(1), () =>
            {
                request.Write("later");
                request.Finish();
            });
            return NotDoneYet;
        }
    }

    private sealed class Clock(Torsion.Testing.Clock inner)
    {
        public void CallLater(TimeSpan delay, Action action) => inner.CallLater(delay, action);
    }

    [Fact]
    public void NotDoneYet_lets_the_resource_finish_later()
    {
        var site = new SiteHarness(new Resource());
        site.Site.Root.PutChild("x", new Later(new Clock(site.Clock)));
        var (transport, protocol) = site.Open();
        protocol.DataReceived(Encoding.ASCII.GetBytes(SiteHarness.Get("/x")));
        Assert.Equal("", transport.ValueString());
        site.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.EndsWith("\r\n\r\nlater", transport.ValueString());
    }

    private sealed class FromDeferred(Deferred<string> d) : Resource
    {
        public override RenderResult RenderGet(Request request) => d;
    }

    [Fact]
    public void Deferred_result_is_written_when_it_fires()
    {
        var d = new Deferred<string>();
        var root = new Resource();
        root.PutChild("d", new FromDeferred(d));
        var site = new SiteHarness(root);
        var (transport, protocol) = site.Open();
        protocol.DataReceived(Encoding.ASCII.GetBytes(SiteHarness.Get("/d")));
        Assert.Equal("", transport.ValueString());
        d.Callback("fired");
        Assert.EndsWith("Content-Length: 5\r\n\r\nfired", transport.ValueString());
    }

    private sealed class FromTask(Task<string> task) : Resource
    {
        public override RenderResult RenderGet(Request request) => task;
    }

    [Fact]
    public void Task_result_is_written_when_it_completes()
    {
        var tcs = new TaskCompletionSource<string>();
        var root = new Resource();
        root.PutChild("t", new FromTask(tcs.Task));
        var site = new SiteHarness(root);
        var (transport, protocol) = site.Open();
        protocol.DataReceived(Encoding.ASCII.GetBytes(SiteHarness.Get("/t")));
        tcs.SetResult("done");
        Assert.EndsWith("\r\n\r\ndone", transport.ValueString());
    }

    [Fact]
    public void Failed_deferred_gives_500()
    {
        var d = new Deferred<string>();
        var root = new Resource();
        root.PutChild("d", new FromDeferred(d));
        var site = new SiteHarness(root);
        var (transport, protocol) = site.Open();
        protocol.DataReceived(Encoding.ASCII.GetBytes(SiteHarness.Get("/d")));
        d.Errback(new InvalidOperationException("no"));
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error", transport.ValueString());
    }

    private sealed class Throws : Resource
    {
        public override RenderResult RenderGet(Request request) => throw new InvalidOperationException("secret detail");
    }

    [Fact]
    public void Exception_in_render_gives_500_without_details()
    {
        var root = new Resource();
        root.PutChild("t", new Throws());
        var response = new SiteHarness(root).Fetch(SiteHarness.Get("/t"));
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error", response);
        Assert.DoesNotContain("secret", response);
    }

    private sealed class CookieJar : Resource
    {
        public override RenderResult RenderGet(Request request)
        {
            request.AddCookie("seen", "yes", path: "/", httpOnly: true, maxAge: TimeSpan.FromHours(1));
            return $"a={request.GetCookie("a")} b={request.GetCookie("b")}";
        }
    }

    [Fact]
    public void Cookies_are_parsed_and_set()
    {
        var root = new Resource();
        root.PutChild("c", new CookieJar());
        var response = new SiteHarness(root).Fetch(SiteHarness.Get("/c", "Cookie: a=1; b=\"two\"\r\n"));
        Assert.Contains("Set-Cookie: seen=yes; Max-Age=3600; Path=/; HttpOnly\r\n", response);
        Assert.Equal("a=1 b=two", SiteHarness.Body(response));
    }

    private sealed class Counter : Resource
    {
        public override RenderResult RenderGet(Request request)
        {
            var session = request.GetSession();
            var n = (int)(session.Items.GetValueOrDefault("n") ?? 0) + 1;
            session.Items["n"] = n;
            return n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public void Session_is_kept_by_cookie_and_expires_when_unused()
    {
        var root = new Resource();
        root.PutChild("n", new Counter());
        var site = new SiteHarness(root);
        var first = site.Fetch(SiteHarness.Get("/n"));
        Assert.Equal("1", SiteHarness.Body(first));
        var cookie = first.Split("\r\n").Single(l => l.StartsWith("Set-Cookie: TORSION_SESSION=", StringComparison.Ordinal));
        Assert.Contains("HttpOnly", cookie);
        var uid = cookie["Set-Cookie: TORSION_SESSION=".Length..cookie.IndexOf(';', StringComparison.Ordinal)];
        var second = site.Fetch(SiteHarness.Get("/n", $"Cookie: TORSION_SESSION={uid}\r\n"));
        Assert.Equal("2", SiteHarness.Body(second));
        Assert.DoesNotContain("Set-Cookie", second);
        site.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("3", SiteHarness.Body(site.Fetch(SiteHarness.Get("/n", $"Cookie: TORSION_SESSION={uid}\r\n"))));
        site.Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(1, site.Site.SessionCount);
        site.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, site.Site.SessionCount);
        Assert.Equal("1", SiteHarness.Body(site.Fetch(SiteHarness.Get("/n", $"Cookie: TORSION_SESSION={uid}\r\n"))));
    }

    private sealed class Splitter : Resource
    {
        public override RenderResult RenderGet(Request request)
        {
            Assert.Throws<ArgumentException>(() => request.SetHeader("X-A", "1\r\nSet-Cookie: x=1"));
            Assert.Throws<ArgumentException>(() => request.SetHeader("Bad Name", "1"));
            Assert.Throws<ArgumentException>(() => request.AddCookie("c", "a;b"));
            return "safe";
        }
    }

    [Fact]
    public void Response_splitting_is_refused_when_the_header_is_set()
    {
        var root = new Resource();
        root.PutChild("s", new Splitter());
        Assert.EndsWith("safe", new SiteHarness(root).Fetch(SiteHarness.Get("/s")));
    }

    [Fact]
    public void Redirect_resource_sends_302_with_Location()
    {
        var root = new Resource();
        root.PutChild("old", new Redirect("/new"));
        var response = new SiteHarness(root).Fetch(SiteHarness.Get("/old"));
        Assert.StartsWith("HTTP/1.1 302 Found", response);
        Assert.Contains("Location: /new\r\n", response);
    }

    [Fact]
    public void Virtual_hosts_are_chosen_by_the_Host_header()
    {
        var b = new Resource();
        b.PutChild("", new Text("default"));
        var vhost = new VirtualHost { Default = b };
        var a = new Resource();
        a.PutChild("", new Text("site a"));
        vhost.AddHost("a.example", a);
        var site = new SiteHarness(vhost);
        Assert.Equal("site a", SiteHarness.Body(site.Fetch("GET / HTTP/1.1\r\nHost: A.example:8080\r\n\r\n")));
        Assert.Equal("default", SiteHarness.Body(site.Fetch("GET / HTTP/1.1\r\nHost: b.example\r\n\r\n")));
    }

    [Fact]
    public void NotifyFinish_fails_when_the_connection_is_lost()
    {
        Request? held = null;
        var root = new Resource();
        root.PutChild("hold", new Holder(r => held = r));
        var site = new SiteHarness(root);
        var (transport, protocol) = site.Open();
        protocol.DataReceived(Encoding.ASCII.GetBytes(SiteHarness.Get("/hold")));
        var finished = held!.NotifyFinish();
        Exception? error = null;
        finished.AddErrback(e =>
        {
            error = e;
            return Unit.Value;
        });
        transport.DeliverConnectionLost(new Torsion.Transports.ConnectionLostException("gone"));
        Assert.NotNull(error);
        held.Write("ignored");
        held.Finish();
    }

    private sealed class Holder(Action<Request> hold) : Resource
    {
        public override RenderResult RenderGet(Request request)
        {
            hold(request);
            return NotDoneYet;
        }
    }
}
