using System.Reflection;

namespace Torsion.Application.Plugins;

/// <summary>
/// Finds the <see cref="ITorsionPlugin"/>s: public, non-abstract types implementing it with a public parameterless
/// constructor, in the given assemblies or in the <c>Torsion*.dll</c> assemblies of a folder (as Twisted's
/// <c>getPlugins</c> looks in <c>twisted/plugins</c>).
/// </summary>
public sealed class PluginCatalog
{
    private readonly SortedDictionary<string, ITorsionPlugin> _plugins;

    private PluginCatalog(SortedDictionary<string, ITorsionPlugin> plugins) => _plugins = plugins;

    /// <summary>The plugins, by name.</summary>
    public IReadOnlyCollection<ITorsionPlugin> Plugins => _plugins.Values;

    /// <summary>The plugin named <paramref name="name"/>, or null.</summary>
    public ITorsionPlugin? Find(string name) => _plugins.GetValueOrDefault(name);

    /// <summary>The plugins of <paramref name="assemblies"/>, each type once.</summary>
    /// <exception cref="InvalidOperationException">Two plugins have the same name; the message names both types.</exception>
    public static PluginCatalog FromAssemblies(IEnumerable<Assembly> assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var plugins = new SortedDictionary<string, ITorsionPlugin>(StringComparer.Ordinal);
        foreach (var type in assemblies.Distinct().SelectMany(ExportedTypes).Distinct())
        {
            if (!type.IsClass || type.IsAbstract || type.ContainsGenericParameters
                || !typeof(ITorsionPlugin).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
            {
                continue;
            }

            var plugin = (ITorsionPlugin)Activator.CreateInstance(type)!;
            if (plugins.TryGetValue(plugin.Name, out var other))
            {
                throw new InvalidOperationException(
                    $"Two plugins are named '{plugin.Name}': {other.GetType().FullName} and {type.FullName}.");
            }

            plugins.Add(plugin.Name, plugin);
        }

        return new PluginCatalog(plugins);
    }

    /// <summary>
    /// The plugins of the <c>Torsion.dll</c> and <c>Torsion.*.dll</c> assemblies in <paramref name="directory"/> (test
    /// assemblies, <c>*.Tests.dll</c>, are skipped), loaded into the default context.
    /// </summary>
    public static PluginCatalog FromDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var loaded = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic && a.GetName().Name is { } name && IsTorsionAssembly(name))
            .ToDictionary(a => a.GetName().Name!, StringComparer.OrdinalIgnoreCase);
        var assemblies = new List<Assembly>(loaded.Values);
        foreach (var path in Directory.EnumerateFiles(directory, "Torsion*.dll"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (IsTorsionAssembly(name) && !loaded.ContainsKey(name))
            {
                assemblies.Add(Assembly.LoadFrom(path));
            }
        }

        return FromAssemblies(assemblies);
    }

    private static bool IsTorsionAssembly(string name) =>
        (name.Equals("Torsion", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Torsion.", StringComparison.OrdinalIgnoreCase))
        && !name.EndsWith(".Tests", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<Type> ExportedTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>().Where(t => t.IsPublic);
        }
    }
}
