using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Drivers.CephRbd.Native;

/// <summary>
/// A connected (or configured) librados cluster handle. Released with rados_shutdown — which librados also
/// requires for a handle that never connected, to free its configuration.
/// </summary>
internal sealed class RadosClusterHandle : SafeHandle
{
    public RadosClusterHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public RadosClusterHandle(nint handle)
        : this()
    {
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Librados.rados_shutdown(handle);
        return true;
    }
}

/// <summary>
/// A handle whose native object lives inside another one (an I/O context inside a cluster handle, an image
/// inside an I/O context): it holds a reference on its parent, so the parent is released only after every child
/// is, whatever order the owners dispose them in.
/// </summary>
internal abstract class ChildHandle : SafeHandle
{
    private readonly SafeHandle parent;
    private bool parentReferenced;

    protected ChildHandle(SafeHandle parent)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        this.parent = parent;
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Takes ownership of <paramref name="value"/>, which the native call just made inside the parent.</summary>
    protected void Adopt(nint value)
    {
        parent.DangerousAddRef(ref parentReferenced);
        SetHandle(value);
    }

    protected override bool ReleaseHandle()
    {
        var released = ReleaseChild(handle);
        if (parentReferenced) parent.DangerousRelease();
        return released;
    }

    protected abstract bool ReleaseChild(nint value);
}

/// <summary>A pool's I/O context (rados_ioctx_t), destroyed before its cluster handle is shut down.</summary>
internal sealed class RadosIoContextHandle : ChildHandle
{
    public RadosIoContextHandle(RadosClusterHandle cluster, nint value)
        : base(cluster)
    {
        Adopt(value);
    }

    protected override bool ReleaseChild(nint value)
    {
        Librados.rados_ioctx_destroy(value);
        return true;
    }
}

/// <summary>An open RBD image (rbd_image_t), closed before its I/O context is destroyed.</summary>
internal sealed class RbdImageHandle : ChildHandle
{
    public RbdImageHandle(RadosIoContextHandle ioContext, nint value)
        : base(ioContext)
    {
        Adopt(value);
    }

    protected override bool ReleaseChild(nint value) => Librbd.rbd_close(value) == 0;
}

/// <summary>A set of image options (rbd_image_options_t) for create and clone.</summary>
internal sealed class RbdImageOptionsHandle : SafeHandle
{
    public RbdImageOptionsHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
        Librbd.rbd_image_options_create(out var value);
        SetHandle(value);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Librbd.rbd_image_options_destroy(handle);
        return true;
    }
}
