using Torsion.Application;
using Torsion.Defer;

namespace Torsion.Tests.Application;

public sealed class ServiceTests
{
    private sealed class Recorded(string name, List<string> log, Deferred<Unit>? stop = null) : Service
    {
        public override void StartService()
        {
            base.StartService();
            log.Add("start " + name);
        }

        public override Deferred<Unit> StopService()
        {
            base.StopService();
            log.Add("stop " + name);
            return stop ?? Deferred.Succeed();
        }
    }

    [Fact]
    public void Children_start_in_order_and_stop_in_reverse()
    {
        var log = new List<string>();
        var root = new MultiService();
        new Recorded("a", log).SetServiceParent(root);
        new Recorded("b", log).SetServiceParent(root);
        new Recorded("c", log).SetServiceParent(root);

        root.StartService();
        Assert.True(root.Running);
        Assert.True(root.Services.All(s => s.Running));
        var stopped = root.StopService();

        Assert.Equal(["start a", "start b", "start c", "stop c", "stop b", "stop a"], log);
        Assert.True(stopped.Called);
        Assert.False(root.Running);
        Assert.True(root.Services.All(s => !s.Running));
    }

    [Fact]
    public void Stop_waits_for_every_childs_deferred()
    {
        var log = new List<string>();
        var slowA = new Deferred<Unit>();
        var slowC = new Deferred<Unit>();
        var root = new MultiService();
        new Recorded("a", log, slowA).SetServiceParent(root);
        new Recorded("b", log).SetServiceParent(root);
        new Recorded("c", log, slowC).SetServiceParent(root);
        root.StartService();

        var stopped = root.StopService();
        Assert.Equal(["start a", "start b", "start c", "stop c", "stop b", "stop a"], log);
        Assert.False(stopped.Called);
        slowC.Callback(Unit.Value);
        Assert.False(stopped.Called);
        slowA.Callback(Unit.Value);
        Assert.True(stopped.Called);
    }

    [Fact]
    public async Task A_child_failing_to_stop_fails_the_stop_after_the_others_finished()
    {
        var log = new List<string>();
        var slow = new Deferred<Unit>();
        var root = new MultiService();
        new Recorded("a", log, slow).SetServiceParent(root);
        new Recorded("b", log, Deferred.Fail<Unit>(new IOException("disk gone"))).SetServiceParent(root);
        root.StartService();

        var stopped = root.StopService();
        Assert.False(stopped.Called);
        slow.Callback(Unit.Value);

        var error = await Assert.ThrowsAsync<IOException>(() => stopped.AsTask());
        Assert.Equal("disk gone", error.Message);
    }

    [Fact]
    public void Children_are_found_by_name_and_names_are_unique()
    {
        var root = new MultiService();
        var web = new Service { Name = "web" };
        web.SetServiceParent(root);

        Assert.Same(web, root.GetServiceNamed("web"));
        Assert.Same(root, web.Parent);
        var clash = Assert.Throws<InvalidOperationException>(() => new Service { Name = "web" }.SetServiceParent(root));
        Assert.Equal("MultiService already has a service named 'web'.", clash.Message);
        Assert.Single(root.Services);
        var missing = Assert.Throws<KeyNotFoundException>(() => root.GetServiceNamed("dns"));
        Assert.Equal("MultiService has no service named 'dns'.", missing.Message);
    }

    [Fact]
    public void A_named_child_cannot_be_renamed_while_it_has_a_parent()
    {
        var root = new MultiService();
        var web = new Service { Name = "web" };
        web.SetServiceParent(root);

        var error = Assert.Throws<InvalidOperationException>(() => web.Name = "www");
        Assert.Equal("Cannot rename service 'web' to 'www' while it belongs to a MultiService; remove it first.", error.Message);
    }

    [Fact]
    public void A_child_added_to_a_running_parent_starts_and_one_removed_stops()
    {
        var log = new List<string>();
        var root = new MultiService();
        root.StartService();
        var late = new Recorded("late", log) { Name = "late" };
        late.SetServiceParent(root);
        Assert.True(late.Running);

        var stopped = late.DisownServiceParent();
        Assert.True(stopped.Called);
        Assert.False(late.Running);
        Assert.Null(late.Parent);
        Assert.Empty(root.Services);
        Assert.Equal(["start late", "stop late"], log);
    }

    [Fact]
    public void Moving_a_service_to_another_parent_leaves_the_first()
    {
        var first = new MultiService();
        var second = new MultiService();
        var service = new Service { Name = "x" };
        service.SetServiceParent(first);
        service.SetServiceParent(second);

        Assert.Empty(first.Services);
        Assert.Same(second, service.Parent);
        Assert.Same(service, second.GetServiceNamed("x"));
    }

    [Fact]
    public void Multi_services_nest()
    {
        var log = new List<string>();
        var root = new MultiService();
        var inner = new MultiService();
        inner.SetServiceParent(root);
        new Recorded("a", log).SetServiceParent(inner);
        new Recorded("b", log).SetServiceParent(root);

        root.StartService();
        Assert.True(root.StopService().Called);
        Assert.Equal(["start a", "start b", "stop b", "stop a"], log);
    }
}
