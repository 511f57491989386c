using Torsion.Cred;

namespace Torsion.Tests.Cred;

public sealed class PasswordFileTests : IDisposable
{
    private const string Hash = "$pbkdf2-sha256$1000$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==";
    private readonly string _dir = Directory.CreateTempSubdirectory("torsion-pwfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Comments_and_blank_lines_are_skipped()
    {
        var file = PasswordFile.Parse($"# users\n\nalice:{Hash}\r\n  \nbob:{Hash}\n");
        Assert.Equal(["alice", "bob"], file.Entries.Select(e => e.Key));
    }

    [Fact]
    public void A_line_without_a_colon_is_reported_with_its_number()
    {
        var error = Assert.Throws<CredentialFileFormatException>(() => PasswordFile.Parse($"alice:{Hash}\n\njust-a-name\n", "users.txt"));
        Assert.Equal("users.txt:3: expected 'user:$pbkdf2-sha256$ITERATIONS$SALT$HASH', found no ':'", error.Message);
        Assert.Equal(3, error.LineNumber);
        Assert.Equal("users.txt", error.Path);
    }

    [Fact]
    public void A_bad_hash_is_reported_with_the_user_and_line_number()
    {
        var error = Assert.Throws<CredentialFileFormatException>(() => PasswordFile.Parse($"alice:{Hash}\nbob:plaintext\n", "users.txt"));
        Assert.Equal("users.txt:2: user 'bob': expected '$pbkdf2-sha256$ITERATIONS$SALT$HASH', found 'plaintext'", error.Message);
    }

    [Fact]
    public void An_empty_user_name_is_reported()
    {
        var error = Assert.Throws<CredentialFileFormatException>(() => PasswordFile.Parse($":{Hash}\n", "users.txt"));
        Assert.Equal("users.txt:1: the user name is empty", error.Message);
    }

    [Fact]
    public void A_user_defined_twice_is_reported()
    {
        var error = Assert.Throws<CredentialFileFormatException>(() => PasswordFile.Parse($"alice:{Hash}\nalice:{Hash}\n", "users.txt"));
        Assert.Equal("users.txt:2: user 'alice' is already defined on line 1", error.Message);
    }

    [Fact]
    public void Save_and_load_round_trip_with_owner_only_permissions()
    {
        var path = Path.Combine(_dir, "passwords");
        var file = new PasswordFile();
        Assert.True(file.Set("alice", PasswordHash.Create("one", 1_000)));
        Assert.True(file.Set("bob", PasswordHash.Create("two", 1_000)));
        Assert.False(file.Set("alice", PasswordHash.Create("three", 1_000)));
        file.Save(path);

        var loaded = PasswordFile.Load(path);
        Assert.Equal(["alice", "bob"], loaded.Entries.Select(e => e.Key));
        Assert.True(loaded.Find("alice")!.Verify("three"));
        Assert.Null(loaded.Find("carol"));
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_dir).Select(Path.GetFileName));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_missing_file_loads_empty_only_when_asked()
    {
        var path = Path.Combine(_dir, "missing");
        Assert.Empty(PasswordFile.Load(path, missingIsEmpty: true).Entries);
        Assert.Throws<FileNotFoundException>(() => PasswordFile.Load(path));
    }

    [Fact]
    public void Set_refuses_a_user_name_with_a_space()
    {
        var error = Assert.Throws<ArgumentException>(() => new PasswordFile().Set("a b", PasswordHash.Create("x", 1_000)));
        Assert.StartsWith("user name 'a b' contains a ':', a space or a control character", error.Message);
    }
}
