using System.Diagnostics;
using Torsion.Cred;

namespace Torsion.Cli.Tests;

public sealed class PasswdCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("torsion-passwd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static (int ExitCode, string Stdout, string Stderr) RunTorsion(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Torsion.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            Assert.Fail($"torsion {string.Join(' ', args)} did not exit within 60 s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Passwd_adds_a_user_with_the_password_from_stdin()
    {
        var file = PathOf("passwords");
        var (exit, _, stderr) = RunTorsion("s3cret pass\n", "passwd", file, "alice");

        Assert.Equal(0, exit);
        Assert.Contains("added user 'alice'", stderr);
        var line = Assert.Single(File.ReadAllLines(file));
        Assert.Matches(@"^alice:\$pbkdf2-sha256\$600000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$", line);
        Assert.True(PasswordFile.Load(file).Find("alice")!.Verify("s3cret pass"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public void Passwd_changes_an_existing_user_and_keeps_the_others()
    {
        var file = PathOf("passwords");
        Assert.Equal(0, RunTorsion("one\n", "passwd", file, "alice").ExitCode);
        Assert.Equal(0, RunTorsion("two\n", "passwd", file, "bob").ExitCode);
        var (exit, _, stderr) = RunTorsion("three\r\n", "passwd", file, "alice");

        Assert.Equal(0, exit);
        Assert.Contains("changed the password of 'alice'", stderr);
        var passwords = PasswordFile.Load(file);
        Assert.Equal(["alice", "bob"], passwords.Entries.Select(e => e.Key));
        Assert.True(passwords.Find("alice")!.Verify("three"));
        Assert.False(passwords.Find("alice")!.Verify("one"));
        Assert.True(passwords.Find("bob")!.Verify("two"));
    }

    [Fact]
    public async Task A_user_added_by_passwd_logs_in_through_the_password_file_checker()
    {
        var file = PathOf("passwords");
        Assert.Equal(0, RunTorsion("hunter2\n", "passwd", file, "alice").ExitCode);
        var checker = new PasswordFileChecker(file);

        Assert.Equal("alice", await checker.RequestAvatarId(new UsernamePassword("alice", "hunter2")).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<UnauthorizedLoginException>(() =>
            checker.RequestAvatarId(new UsernamePassword("alice", "hunter3")).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Passwd_reports_a_bad_line_with_its_number_and_exits_1()
    {
        var file = PathOf("passwords");
        File.WriteAllText(file, "# users\nalice:$pbkdf2-sha256$600000$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==\nbob:$md5$x\n");
        var before = File.ReadAllText(file);

        var (exit, stdout, stderr) = RunTorsion("pw\n", "passwd", file, "carol");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal($"torsion passwd: {file}:3: user 'bob': expected '$pbkdf2-sha256$ITERATIONS$SALT$HASH', found '$md5$x'", stderr.TrimEnd());
        Assert.Equal(before, File.ReadAllText(file));
    }

    [Fact]
    public void Passwd_refuses_a_user_name_with_a_colon()
    {
        var (exit, _, stderr) = RunTorsion("pw\n", "passwd", PathOf("passwords"), "a:b");

        Assert.Equal(1, exit);
        Assert.Equal("torsion passwd: user name 'a:b' contains a ':', a space or a control character", stderr.TrimEnd());
        Assert.False(File.Exists(PathOf("passwords")));
    }

    [Fact]
    public void Passwd_refuses_empty_stdin()
    {
        var (exit, _, stderr) = RunTorsion(string.Empty, "passwd", PathOf("passwords"), "alice");

        Assert.Equal(1, exit);
        Assert.Equal("torsion passwd: no password on standard input", stderr.TrimEnd());
    }

    [Fact]
    public void Passwd_refuses_an_empty_password()
    {
        var (exit, _, stderr) = RunTorsion("\n", "passwd", PathOf("passwords"), "alice");

        Assert.Equal(1, exit);
        Assert.Equal("torsion passwd: the password is empty", stderr.TrimEnd());
    }
}
